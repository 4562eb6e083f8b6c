#include "typenames.h"

#include <QSettings>
#include <QString>

#include <iterator>

bool installDemoTypeNames()
{
    static const char *const names[][2] = {
        {"0001", "login_server"},    {"0002", "msg_server"},  {"0003", "route_server"},
        {"0004", "db_proxy_server"}, {"0005", "file_server"}, {"0006", "http_msg_server"},
        {"0007", "push_server"},     {"0008", "msfs"},
    };
    // etcdscope's own settings (its organisation and application name), not the registrar's.
    QSettings settings(QStringLiteral("etcdscope"), QStringLiteral("etcdscope"));
    const QString array = QStringLiteral("services/defaultTypeNames");
    settings.remove(array);
    settings.beginWriteArray(array, int(std::size(names)));
    for (int i = 0; i < int(std::size(names)); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("code"), QString::fromLatin1(names[i][0]));
        settings.setValue(QStringLiteral("name"), QString::fromLatin1(names[i][1]));
    }
    settings.endArray();
    settings.sync();
    return settings.status() == QSettings::NoError;
}
