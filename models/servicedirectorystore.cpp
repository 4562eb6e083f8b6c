#include "servicedirectorystore.h"

#include "connectionprofile.h"
#include "servicemodel.h"

#include <QSettings>
#include <QStringList>
#include <QUrl>

#include <algorithm>
#include <memory>

namespace {

const QString markedKey = QStringLiteral("marked");
const QString hiddenKey = QStringLiteral("hidden");

std::unique_ptr<QSettings> openSettings(const QString &file)
{
    return file.isEmpty() ? std::make_unique<QSettings>()
                          : std::make_unique<QSettings>(file, QSettings::IniFormat);
}

// Sorted, so that the file does not change with the order of a hash. Text when every key is
// UTF-8 (readable in the file), else byte arrays: a directory key need not be UTF-8.
QVariant toValue(QList<QByteArray> keys)
{
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    QStringList texts;
    QVariantList bytes;
    bool text = true;
    for (const QByteArray &key : std::as_const(keys)) {
        const QString t = QString::fromUtf8(key);
        text = text && t.toUtf8() == key;
        texts << t;
        bytes << QVariant(key);
    }
    return text ? QVariant(texts) : QVariant(bytes);
}

} // namespace

ServiceDirectoryStore::ServiceDirectoryStore(QString profileKey, QString settingsFile)
    : m_profileKey(std::move(profileKey))
    , m_file(std::move(settingsFile))
{
}

QString ServiceDirectoryStore::profileKey(const ConnectionProfile &profile)
{
    return profile.name.isEmpty() ? profile.endpoints.join(QLatin1Char(',')) : profile.name;
}

QString ServiceDirectoryStore::group() const
{
    return QStringLiteral("services/") + QString::fromLatin1(QUrl::toPercentEncoding(m_profileKey));
}

QList<QByteArray> ServiceDirectoryStore::read(const QString &name) const
{
    if (m_profileKey.isEmpty())
        return {};
    auto settings = openSettings(m_file);
    settings->beginGroup(group());
    QList<QByteArray> out;
    const QVariant value = settings->value(name);
    // A single entry comes back from an INI file as a plain value, not a list.
    const bool isList =
        value.typeId() == QMetaType::QVariantList || value.typeId() == QMetaType::QStringList;
    const QVariantList list = isList ? value.toList() : QVariantList{value};
    for (const QVariant &v : list) {
        // A QString converts to its UTF-8 bytes.
        const QByteArray key = v.toByteArray();
        if (!key.isEmpty())
            out << key;
    }
    return out;
}

QList<QByteArray> ServiceDirectoryStore::marked() const
{
    return read(markedKey);
}

QList<QByteArray> ServiceDirectoryStore::hidden() const
{
    return read(hiddenKey);
}

void ServiceDirectoryStore::save(const QList<QByteArray> &marked,
                                 const QList<QByteArray> &hidden) const
{
    if (m_profileKey.isEmpty())
        return;
    auto settings = openSettings(m_file);
    settings->beginGroup(group());
    if (marked.isEmpty())
        settings->remove(markedKey);
    else
        settings->setValue(markedKey, toValue(marked));
    if (hidden.isEmpty())
        settings->remove(hiddenKey);
    else
        settings->setValue(hiddenKey, toValue(hidden));
}

void ServiceDirectoryStore::loadInto(ServiceModel *model) const
{
    const bool known = !m_profileKey.isEmpty();
    model->setMarkedDirectories(known ? marked() : QList<QByteArray>());
    model->setHiddenDirectories(known ? hidden() : QList<QByteArray>());
}

void ServiceDirectoryStore::saveFrom(const ServiceModel *model) const
{
    save(model->markedDirectories(), model->hiddenDirectories());
}
