// etcdscope: parses the command line, then opens a window on the cluster it names, the saved
// profile it names, the profile used last, or the connection dialog.
#include "commandline.h"
#include "connections.h"
#include "etcdlog.h"
#include "mainwindow.h"
#include "passwordprompt.h"

#include <QApplication>
#include <QIcon>
#include <QTextStream>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication::setApplicationName(QStringLiteral("etcdscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ETCDSCOPE_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("etcdscope"));

    // Parsed before QApplication exists so --help, --version and usage errors work without a
    // display.
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    CommandLine cmd = CommandLine::parse(args, QProcessEnvironment::systemEnvironment());
    switch (cmd.action) {
    case CommandLine::Action::Help:
    case CommandLine::Action::Version:
        QTextStream(stdout) << cmd.text;
        return cmd.exitCode();
    case CommandLine::Action::Error:
        QTextStream(stderr) << "etcdscope: " << cmd.text << '\n';
        return cmd.exitCode();
    case CommandLine::Action::Run:
        break;
    }

    QApplication app(argc, argv);
    etcdInstallQtNoiseFilter();
    QApplication::setDesktopFileName(QStringLiteral("etcdscope"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/etcdscope.svg")));

    Connections connections;
    if (!cmd.profile.isEmpty()) {
        std::optional<ConnectionProfile> profile = connections.store()->profile(cmd.profile);
        if (!profile) {
            QStringList names;
            for (const ConnectionProfile &p : connections.store()->profiles())
                names << p.name;
            QTextStream(stderr) << "etcdscope: "
                                << QCoreApplication::translate("main", "no saved profile named "
                                                                       "\"%1\" (saved: %2)")
                                       .arg(cmd.profile, names.isEmpty()
                                                             ? QStringLiteral("none")
                                                             : names.join(QStringLiteral(", ")))
                                << '\n';
            return 2;
        }
        if (cmd.options.readOnly)
            profile->readOnly = true;
        connections.openProfile(*profile);
    } else if (cmd.endpointsGiven || !cmd.options.user.isEmpty() || !cmd.options.caFile.isEmpty() ||
               !cmd.options.certFile.isEmpty() || !cmd.options.serverName.isEmpty() ||
               cmd.options.insecureSkipVerify) {
        // The command line says how to connect (as etcdctl would take it).
        if (cmd.passwordMissing) {
            const std::optional<QString> password =
                askPassword(cmd.options.user, cmd.options.endpoints.value(0));
            if (!password)
                return 1;
            cmd.options.password = *password;
        }
        auto *window = new MainWindow(cmd.options);
        window->setAttribute(Qt::WA_DeleteOnClose);
        connections.adopt(window);
        window->show();
    } else if (!connections.store()->lastUsed().isEmpty()) {
        connections.openProfile(connections.store()->lastUsed());
    } else {
        // The start screen: the saved profiles, or a new one for http://127.0.0.1:2379.
        connections.showDialog();
    }
    return QApplication::exec();
}
