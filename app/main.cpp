// etcdscope: parses the command line, then opens the main window on the cluster it names.
#include "commandline.h"
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
    QApplication::setDesktopFileName(QStringLiteral("etcdscope"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/etcdscope.svg")));

    if (cmd.passwordMissing) {
        const std::optional<QString> password =
            askPassword(cmd.options.user, cmd.options.endpoints.value(0));
        if (!password)
            return 1;
        cmd.options.password = *password;
    }

    MainWindow window(cmd.options);
    window.show();
    return QApplication::exec();
}
