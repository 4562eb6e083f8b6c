// etcdscope's command line: etcdctl's flags and environment variables, flags winning over the
// environment, and a clear message with exit code 2 for every bad value.
#include "commandline.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using Action = CommandLine::Action;
using Api = EtcdClient::Api;

Q_DECLARE_METATYPE(CommandLine::Action)
Q_DECLARE_METATYPE(EtcdClient::Api)

class TestCommandLine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void parse_data();
    void parse();
    void tlsVerification_data();
    void tlsVerification();
    void errors_data();
    void errors();
    void profileAndDefaults();
    void helpAndVersion_data();
    void helpAndVersion();

private:
    // "@dir" in test data stands for the temporary directory holding ca.pem, cert.pem, key.pem.
    QStringList expand(const QStringList &list) const;
    QString expand(const QString &s) const;
    QProcessEnvironment environment(const QStringList &vars) const;

    QTemporaryDir m_dir;
};

void TestCommandLine::initTestCase()
{
    QVERIFY(m_dir.isValid());
    for (const char *name : {"ca.pem", "cert.pem", "key.pem"}) {
        QFile f(m_dir.filePath(QLatin1String(name)));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    }
}

QString TestCommandLine::expand(const QString &s) const
{
    return QString(s).replace(QLatin1String("@dir"), m_dir.path());
}

QStringList TestCommandLine::expand(const QStringList &list) const
{
    QStringList out;
    for (const QString &s : list)
        out << expand(s);
    return out;
}

QProcessEnvironment TestCommandLine::environment(const QStringList &vars) const
{
    QProcessEnvironment env; // empty: the test's own environment must not leak in
    for (const QString &v : vars) {
        const qsizetype eq = v.indexOf(QLatin1Char('='));
        env.insert(v.left(eq), expand(v.mid(eq + 1)));
    }
    return env;
}

void TestCommandLine::parse_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QStringList>("endpoints");
    QTest::addColumn<Api>("api");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("passwordMissing");
    QTest::addColumn<QStringList>("tlsFiles"); // ca, cert, key
    QTest::addColumn<bool>("readOnly");

    const QStringList local{QStringLiteral("http://127.0.0.1:2379")};
    const QStringList noTls{QString(), QString(), QString()};
    const QString none;

    QTest::newRow("defaults") << QStringList{} << QStringList{} << local << Api::Auto << none
                              << none << false << noTls << false;
    QTest::newRow("one endpoint") << QStringList{"--endpoints", "http://10.0.0.1:2379"}
                                  << QStringList{} << QStringList{"http://10.0.0.1:2379"}
                                  << Api::Auto << none << none << false << noTls << false;
    QTest::newRow("endpoints=, bare host:port")
        << QStringList{"--endpoints=10.0.0.1:2379,10.0.0.2:2379"} << QStringList{}
        << QStringList{"http://10.0.0.1:2379", "http://10.0.0.2:2379"} << Api::Auto << none << none
        << false << noTls << false;
    QTest::newRow("spaces after commas")
        << QStringList{"--endpoints", "http://a:1, https://b:2"} << QStringList{}
        << QStringList{"http://a:1", "https://b:2"} << Api::Auto << none << none << false << noTls
        << false;
    QTest::newRow("ETCDCTL_ENDPOINTS") << QStringList{} << QStringList{"ETCDCTL_ENDPOINTS=e:1,f:2"}
                                       << QStringList{"http://e:1", "http://f:2"} << Api::Auto
                                       << none << none << false << noTls << false;
    QTest::newRow("flag wins over ETCDCTL_ENDPOINTS")
        << QStringList{"--endpoints", "http://flag:1"}
        << QStringList{"ETCDCTL_ENDPOINTS=http://env:1"} << QStringList{"http://flag:1"}
        << Api::Auto << none << none << false << noTls << false;
    QTest::newRow("empty ETCDCTL_ENDPOINTS is unset")
        << QStringList{} << QStringList{"ETCDCTL_ENDPOINTS="} << local << Api::Auto << none << none
        << false << noTls << false;
    QTest::newRow("api v2") << QStringList{"--api", "v2"} << QStringList{} << local << Api::V2
                            << none << none << false << noTls << false;
    QTest::newRow("api=V3") << QStringList{"--api=V3"} << QStringList{} << local << Api::V3 << none
                            << none << false << noTls << false;
    QTest::newRow("api auto") << QStringList{"--api", "auto"} << QStringList{} << local << Api::Auto
                              << none << none << false << noTls << false;
    QTest::newRow("user name:password")
        << QStringList{"--user", "root:s3cr:et"} << QStringList{} << local << Api::Auto
        << QStringLiteral("root") << QStringLiteral("s3cr:et") << false << noTls << false;
    QTest::newRow("user without password asks")
        << QStringList{"--user", "root"} << QStringList{} << local << Api::Auto
        << QStringLiteral("root") << none << true << noTls << false;
    QTest::newRow("user name: (empty password)")
        << QStringList{"--user", "root:"} << QStringList{} << local << Api::Auto
        << QStringLiteral("root") << QString() << false << noTls << false;
    QTest::newRow("--password keeps --user whole")
        << QStringList{"--user", "a:b", "--password", "pw"} << QStringList{} << local << Api::Auto
        << QStringLiteral("a:b") << QStringLiteral("pw") << false << noTls << false;
    QTest::newRow("ETCDCTL_USER") << QStringList{} << QStringList{"ETCDCTL_USER=envuser:envpw"}
                                  << local << Api::Auto << QStringLiteral("envuser")
                                  << QStringLiteral("envpw") << false << noTls << false;
    QTest::newRow("--user wins over ETCDCTL_USER")
        << QStringList{"--user", "flag:1"} << QStringList{"ETCDCTL_USER=env:2"} << local
        << Api::Auto << QStringLiteral("flag") << QStringLiteral("1") << false << noTls << false;
    QTest::newRow("ETCDCTL_PASSWORD")
        << QStringList{"--user", "u"} << QStringList{"ETCDCTL_PASSWORD=pw"} << local << Api::Auto
        << QStringLiteral("u") << QStringLiteral("pw") << false << noTls << false;
    QTest::newRow("read-only") << QStringList{"--read-only"} << QStringList{} << local << Api::Auto
                               << none << none << false << noTls << true;
    QTest::newRow("TLS flags, bare endpoint becomes https")
        << QStringList{"--cacert", "@dir/ca.pem",  "--cert",      "@dir/cert.pem",
                       "--key",    "@dir/key.pem", "--endpoints", "h:2379"}
        << QStringList{} << QStringList{"https://h:2379"} << Api::Auto << none << none << false
        << QStringList{"@dir/ca.pem", "@dir/cert.pem", "@dir/key.pem"} << false;
    QTest::newRow("TLS from the environment")
        << QStringList{}
        << QStringList{"ETCDCTL_CACERT=@dir/ca.pem", "ETCDCTL_CERT=@dir/cert.pem",
                       "ETCDCTL_KEY=@dir/key.pem", "ETCDCTL_ENDPOINTS=https://h:1"}
        << QStringList{"https://h:1"} << Api::Auto << none << none << false
        << QStringList{"@dir/ca.pem", "@dir/cert.pem", "@dir/key.pem"} << false;
    QTest::newRow("URL argument") << QStringList{"http://10.0.0.1:2379"} << QStringList{}
                                  << QStringList{"http://10.0.0.1:2379"} << Api::Auto << none
                                  << none << false << noTls << false;
    QTest::newRow("several URL arguments, bare host:port")
        << QStringList{"http://10.0.0.1:2379", "10.0.0.2:2379", "--read-only"} << QStringList{}
        << QStringList{"http://10.0.0.1:2379", "http://10.0.0.2:2379"} << Api::Auto << none << none
        << false << noTls << true;
    QTest::newRow("URL argument wins over ETCDCTL_ENDPOINTS")
        << QStringList{"http://arg:1"} << QStringList{"ETCDCTL_ENDPOINTS=http://env:1"}
        << QStringList{"http://arg:1"} << Api::Auto << none << none << false << noTls << false;
    QTest::newRow("URL argument with TLS flags becomes https")
        << QStringList{"--cacert", "@dir/ca.pem", "h:2379"} << QStringList{}
        << QStringList{"https://h:2379"} << Api::Auto << none << none << false
        << QStringList{"@dir/ca.pem", "", ""} << false;
    QTest::newRow("--cacert wins over ETCDCTL_CACERT")
        << QStringList{"--cacert", "@dir/ca.pem"} << QStringList{"ETCDCTL_CACERT=/nonexistent"}
        << QStringList{"https://127.0.0.1:2379"} << Api::Auto << none << none << false
        << QStringList{"@dir/ca.pem", "", ""} << false;
}

void TestCommandLine::parse()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QStringList, endpoints);
    QFETCH(Api, api);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(bool, passwordMissing);
    QFETCH(QStringList, tlsFiles);
    QFETCH(bool, readOnly);

    const CommandLine cmd =
        CommandLine::parse(QStringList{"etcdscope"} + expand(args), environment(env));
    QVERIFY2(cmd.action == Action::Run, qPrintable(cmd.text));
    QCOMPARE(cmd.exitCode(), 0);
    QCOMPARE(cmd.options.endpoints, endpoints);
    QCOMPARE(cmd.options.api, api);
    QCOMPARE(cmd.options.user, user);
    QCOMPARE(cmd.options.password, password);
    QCOMPARE(cmd.passwordMissing, passwordMissing);
    QCOMPARE(cmd.options.caFile, expand(tlsFiles.at(0)));
    QCOMPARE(cmd.options.certFile, expand(tlsFiles.at(1)));
    QCOMPARE(cmd.options.keyFile, expand(tlsFiles.at(2)));
    QCOMPARE(cmd.options.readOnly, readOnly);
}

void TestCommandLine::tlsVerification_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QStringList>("endpoints");
    QTest::addColumn<QString>("serverName");
    QTest::addColumn<bool>("insecure");

    const QStringList local{QStringLiteral("http://127.0.0.1:2379")};
    QTest::newRow("verification on by default")
        << QStringList{"--cacert", "@dir/ca.pem"} << QStringList{}
        << QStringList{"https://127.0.0.1:2379"} << QString() << false;
    QTest::newRow("--insecure-skip-tls-verify")
        << QStringList{"--insecure-skip-tls-verify", "--endpoints", "https://h:1"} << QStringList{}
        << QStringList{"https://h:1"} << QString() << true;
    QTest::newRow("--insecure-skip-tls-verify: bare endpoint becomes https")
        << QStringList{"--insecure-skip-tls-verify", "--endpoints", "h:1"} << QStringList{}
        << QStringList{"https://h:1"} << QString() << true;
    QTest::newRow("ETCDCTL_INSECURE_SKIP_TLS_VERIFY is not taken")
        << QStringList{} << QStringList{"ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true"} << local
        << QString() << false;
    QTest::newRow("--tls-server-name")
        << QStringList{"--tls-server-name", "etcd.example.com", "--cacert",
                       "@dir/ca.pem",       "--endpoints",      "https://10.0.0.1:2379"}
        << QStringList{} << QStringList{"https://10.0.0.1:2379"}
        << QStringLiteral("etcd.example.com") << false;
    QTest::newRow("--tls-server-name=, bare endpoint becomes https")
        << QStringList{"--tls-server-name= etcd.test ", "--endpoints", "10.0.0.1:2379"}
        << QStringList{} << QStringList{"https://10.0.0.1:2379"} << QStringLiteral("etcd.test")
        << false;
    QTest::newRow("both") << QStringList{"--tls-server-name", "etcd.test",
                                         "--insecure-skip-tls-verify"}
                          << QStringList{} << QStringList{"https://127.0.0.1:2379"}
                          << QStringLiteral("etcd.test") << true;
}

void TestCommandLine::tlsVerification()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QStringList, endpoints);
    QFETCH(QString, serverName);
    QFETCH(bool, insecure);

    const CommandLine cmd =
        CommandLine::parse(QStringList{"etcdscope"} + expand(args), environment(env));
    QVERIFY2(cmd.action == Action::Run, qPrintable(cmd.text));
    QCOMPARE(cmd.options.endpoints, endpoints);
    QCOMPARE(cmd.options.serverName, serverName);
    QCOMPARE(cmd.options.insecureSkipVerify, insecure);
}

void TestCommandLine::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QString>("message"); // a part of the message the user sees

    QTest::newRow("--api foo") << QStringList{"--api", "foo"} << QStringList{}
                               << QStringLiteral("Unknown API \"foo\"");
    QTest::newRow("empty --profile")
        << QStringList{"--profile="} << QStringList{} << QStringLiteral("--profile is empty");
    QTest::newRow("--profile with --endpoints")
        << QStringList{"--profile", "prod", "--endpoints", "http://a:1"} << QStringList{}
        << QStringLiteral("--profile and --endpoints do not go together");
    QTest::newRow("--profile with --user")
        << QStringList{"--profile", "prod", "--user", "root"} << QStringList{}
        << QStringLiteral("--profile and --user do not go together");
    QTest::newRow("empty --endpoints")
        << QStringList{"--endpoints="} << QStringList{} << QStringLiteral("--endpoints is empty");
    QTest::newRow("blank --endpoints") << QStringList{"--endpoints", " "} << QStringList{}
                                       << QStringLiteral("--endpoints is empty");
    QTest::newRow("empty entry") << QStringList{"--endpoints", "http://a:1,,http://b:2"}
                                 << QStringList{} << QStringLiteral("empty entry");
    QTest::newRow("trailing comma") << QStringList{"--endpoints", "http://a:1,"} << QStringList{}
                                    << QStringLiteral("empty entry");
    QTest::newRow("empty entry in env")
        << QStringList{} << QStringList{"ETCDCTL_ENDPOINTS=a:1,,"} << QStringLiteral("empty entry");
    QTest::newRow("not http") << QStringList{"--endpoints", "ftp://h:1"} << QStringList{}
                              << QStringLiteral("is not an etcd endpoint");
    QTest::newRow("no host") << QStringList{"--endpoints", "http://:2379"} << QStringList{}
                             << QStringLiteral("is not an etcd endpoint");
    QTest::newRow("path") << QStringList{"--endpoints", "http://h:1/v3"} << QStringList{}
                          << QStringLiteral("must not have a path");
    QTest::newRow("missing value") << QStringList{"--endpoints"} << QStringList{}
                                   << QStringLiteral("Missing value after '--endpoints'");
    QTest::newRow("unknown option")
        << QStringList{"--bogus"} << QStringList{} << QStringLiteral("Unknown option 'bogus'");
    QTest::newRow("URL argument and --endpoints")
        << QStringList{"http://a:1", "--endpoints", "http://b:2"} << QStringList{}
        << QStringLiteral("either as arguments or with --endpoints, not both");
    QTest::newRow("URL argument and --profile")
        << QStringList{"--profile", "prod", "http://a:1"} << QStringList{}
        << QStringLiteral("--profile and endpoint arguments do not go together");
    QTest::newRow("URL argument not http")
        << QStringList{"ftp://h:1"} << QStringList{} << QStringLiteral("is not an etcd endpoint");
    QTest::newRow("URL argument with a path")
        << QStringList{"http://h:1/v3"} << QStringList{} << QStringLiteral("must not have a path");
    QTest::newRow("empty URL argument")
        << QStringList{""} << QStringList{} << QStringLiteral("An endpoint argument is empty");
    QTest::newRow("cert without key") << QStringList{"--cert", "@dir/cert.pem"} << QStringList{}
                                      << QStringLiteral("--cert and --key must be given together");
    QTest::newRow("key without cert") << QStringList{} << QStringList{"ETCDCTL_KEY=@dir/key.pem"}
                                      << QStringLiteral("--cert and --key must be given together");
    QTest::newRow("missing CA file") << QStringList{"--cacert", "@dir/nope.pem"} << QStringList{}
                                     << QStringLiteral("--cacert does not exist");
    QTest::newRow("CA is a directory") << QStringList{"--cacert", "@dir"} << QStringList{}
                                       << QStringLiteral("--cacert cannot be read");
    QTest::newRow("empty --tls-server-name") << QStringList{"--tls-server-name="} << QStringList{}
                                             << QStringLiteral("--tls-server-name is empty");
    QTest::newRow("--tls-server-name with scheme")
        << QStringList{"--tls-server-name", "https://etcd.test"} << QStringList{}
        << QStringLiteral("is not a host name");
    QTest::newRow("--tls-server-name without value")
        << QStringList{"--tls-server-name"} << QStringList{}
        << QStringLiteral("Missing value after '--tls-server-name'");
    QTest::newRow("--insecure-skip-tls-verify takes no value")
        << QStringList{"--insecure-skip-tls-verify=true"} << QStringList{}
        << QStringLiteral("insecure-skip-tls-verify");
    QTest::newRow("--password without --user") << QStringList{"--password", "x"} << QStringList{}
                                               << QStringLiteral("--password needs --user");
    QTest::newRow("empty user name")
        << QStringList{"--user", ":pw"} << QStringList{} << QStringLiteral("empty user name");
}

void TestCommandLine::profileAndDefaults()
{
    CommandLine cmd = CommandLine::parse({"etcdscope", "--profile", " orders-prod ", "--read-only"},
                                         environment({}));
    QCOMPARE(cmd.action, Action::Run);
    QCOMPARE(cmd.profile, QStringLiteral("orders-prod"));
    QVERIFY(cmd.options.readOnly);
    // Nothing said where to connect: the last profile (or the dialog) decides, not the default.
    cmd = CommandLine::parse({"etcdscope"}, environment({}));
    QVERIFY(!cmd.endpointsGiven);
    QVERIFY(cmd.profile.isEmpty());
    cmd = CommandLine::parse({"etcdscope", "--endpoints", "http://a:1"}, environment({}));
    QVERIFY(cmd.endpointsGiven);
    cmd = CommandLine::parse({"etcdscope"}, environment({"ETCDCTL_ENDPOINTS=http://b:2"}));
    QVERIFY(cmd.endpointsGiven);
    cmd = CommandLine::parse({"etcdscope", "http://c:3"}, environment({}));
    QVERIFY(cmd.endpointsGiven);
}

void TestCommandLine::errors()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QString, message);

    const CommandLine cmd =
        CommandLine::parse(QStringList{"etcdscope"} + expand(args), environment(env));
    QCOMPARE(cmd.action, Action::Error);
    QCOMPARE(cmd.exitCode(), 2);
    QVERIFY2(cmd.text.contains(message), qPrintable(cmd.text));
    QVERIFY2(cmd.text.contains(QLatin1String("--help")), qPrintable(cmd.text));
}

void TestCommandLine::helpAndVersion_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<Action>("action");
    QTest::addColumn<QString>("text");

    QTest::newRow("--help") << QStringList{"--help"} << Action::Help
                            << QStringLiteral("Usage: etcdscope [options] [URL...]");
    QTest::newRow("-h") << QStringList{"-h"} << Action::Help << QStringLiteral("--endpoints");
    QTest::newRow("help wins over bad values")
        << QStringList{"--api", "foo", "--help"} << Action::Help << QStringLiteral("--read-only");
    QTest::newRow("--version") << QStringList{"--version"} << Action::Version
                               << QStringLiteral("etcdscope ");
}

void TestCommandLine::helpAndVersion()
{
    QFETCH(QStringList, args);
    QFETCH(Action, action);
    QFETCH(QString, text);

    const CommandLine cmd = CommandLine::parse(QStringList{"etcdscope"} + args, {});
    QCOMPARE(cmd.action, action);
    QCOMPARE(cmd.exitCode(), 0);
    QVERIFY2(cmd.text.contains(text), qPrintable(cmd.text));
    if (action == Action::Help) {
        for (const char *flag :
             {"--endpoints", "--api", "--user", "--password", "--cacert", "--cert", "--key",
              "--tls-server-name", "--insecure-skip-tls-verify", "--read-only", "--version"})
            QVERIFY2(cmd.text.contains(QLatin1String(flag)), flag);
    }
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
