// V3LevelLister against a real etcd: every kind of level (numbered directories where the guesses
// are right, gaps and irregular subtrees where they are wrong, letters, UUIDs, leaves mixed with
// directories, a key that is also a directory, a flat level bigger than a page, the whole
// keyspace), with and without a hint, with stale hints; the children it reports are compared
// with the children computed from what etcd holds. Also where it splits, and what it costs.
#include "etcdfixture.h"
#include "etcdtesting.h"
#include "keytreetesting.h"
#include "v3levellister.h"

#include <QRandomGenerator>
#include <QTest>

#include <map>

using namespace keytreetesting;

namespace {

// name -> "k" (a key), "d" (a directory) or "kd" (both).
using Level = std::map<QByteArray, QByteArray>;

Level expectedLevel(const QList<QByteArray> &keys, const QByteArray &prefix, bool topLevel)
{
    Level level;
    for (const QByteArray &key : keys) {
        bool leaf = false;
        const QByteArray name = V3LevelLister::childName(prefix, key, '/', topLevel, &leaf);
        QByteArray &kind = level[name];
        const char c = leaf ? 'k' : 'd';
        if (!kind.contains(c))
            kind = leaf ? "k" + kind : kind + "d";
    }
    return level;
}

QByteArray uuidLike(QRandomGenerator &rng)
{
    return QByteArray::number(rng.generate64(), 16).rightJustified(16, '0') + "-" +
           QByteArray::number(rng.generate(), 16).rightJustified(8, '0');
}

} // namespace

class TestV3LevelLister : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void splitPoints();
    void levels_data();
    void levels();
    void wholeKeyspace();
    void staleHints_data();
    void staleHints();
    void guessedLevelIsCheap();
    void errorEndsListing();

private:
    // Lists prefix (hint: setHint) and returns what it reported, merged by name.
    bool list(const QByteArray &prefix, const QByteArray &hint, Level *out, int *requests,
              bool topLevel = false);

    EtcdServer m_etcd;
    std::unique_ptr<EtcdClient> m_client;
};

void TestV3LevelLister::initTestCase()
{
    QVERIFY2(m_etcd.start(), "etcd did not start");
    m_client = makeClient(&m_etcd, EtcdClient::Api::V3);
    QVERIFY(m_client);
}

bool TestV3LevelLister::list(const QByteArray &prefix, const QByteArray &hint, Level *out,
                             int *requests, bool topLevel)
{
    V3LevelLister lister(m_client->v3(), prefix, '/', topLevel);
    lister.setHint(hint);
    bool done = false;
    EtcdError error;
    bool ordered = true;
    lister.start(
        [&](const std::vector<ListedChild> &children) {
            for (std::size_t i = 0; i < children.size(); ++i) {
                const ListedChild &c = children[i];
                if (i > 0 && children[i - 1].name > c.name)
                    ordered = false;
                QByteArray &kind = (*out)[c.name];
                if (c.isKey && !kind.contains('k'))
                    kind.prepend('k');
                if (c.isDirectory && !kind.contains('d'))
                    kind.append('d');
                if (c.isKey && c.kv.key != prefix + c.name)
                    qWarning() << "key" << c.kv.key << "reported as" << c.name;
            }
        },
        [&](const EtcdError &e) {
            error = e;
            done = true;
        });
    if (!QTest::qWaitFor([&] { return done; }, 60000)) {
        qWarning() << "listing" << prefix << "did not finish";
        return false;
    }
    if (error) {
        qWarning() << "listing" << prefix << "failed:" << error.toString();
        return false;
    }
    *requests = lister.requestCount();
    return ordered;
}

void TestV3LevelLister::splitPoints()
{
    const auto points = V3LevelLister::splitPoints("/p/", "d049");
    QVERIFY(!points.empty());
    for (std::size_t i = 0; i < points.size(); ++i) {
        QVERIFY(points[i].key.startsWith("/p/"));
        QVERIFY2(points[i].key > QByteArray("/p/d049/\xff"), points[i].key.constData());
        if (i > 0)
            QVERIFY(points[i - 1].key < points[i].key);
    }
    auto find = [&](const QByteArray &key) {
        for (const auto &p : points) {
            if (p.key == key)
                return int(p.likely);
        }
        return -1;
    };
    // The next numbers are likely names, two places deep; coarser points are not.
    QCOMPARE(find("/p/d050"), 1);
    QCOMPARE(find("/p/d099"), 1);
    QCOMPARE(find("/p/d1"), 0);
    QCOMPARE(find("/p/e"), 0);
    QCOMPARE(find("/p/d048"), -1);
    // Letters are not guessed one by one as likely names.
    for (const auto &p : V3LevelLister::splitPoints("", "/config"))
        QVERIFY(!p.likely);
    // A long name splits at its first and last places only.
    QVERIFY(V3LevelLister::splitPoints("", QByteArray(36, 'a')).size() < 200);
}

void TestV3LevelLister::levels_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QList<QByteArray>>("keys");
    QTest::addColumn<QByteArray>("hint");

    auto numbered = [](const QByteArray &prefix, const QList<int> &dirs, int perDir) {
        QList<QByteArray> keys;
        for (int d : dirs) {
            for (int k = 0; k < perDir; ++k)
                keys << prefix + "d" + QByteArray::number(d).rightJustified(3, '0') + "/k" +
                            QByteArray::number(k).rightJustified(3, '0');
        }
        return keys;
    };
    QList<int> all;
    for (int i = 0; i < 120; ++i)
        all << i;
    QTest::newRow("numbered, 120 dirs")
        << QByteArray("/n/") << numbered("/n/", all, 3) << QByteArray();
    QTest::newRow("numbered, hinted")
        << QByteArray("/nh/") << numbered("/nh/", all, 3) << QByteArray("/nh/d000/k000");
    QTest::newRow("numbered with gaps, hinted")
        << QByteArray("/g/") << numbered("/g/", {0, 3, 17, 18, 99, 100, 310, 999}, 2)
        << QByteArray("/g/d000/k000");

    // Siblings built differently from the hinted one: the guessed first keys are wrong.
    QTest::newRow("irregular subtrees, hinted")
        << QByteArray("/i/")
        << QList<QByteArray>{"/i/d000/k000", "/i/d001/a",    "/i/d002/zzz/deep", "/i/d003",
                             "/i/d003/k000", "/i/d004-x",    "/i/d004/k000",     "/i/d0040/q",
                             "/i/d005!/x",   "/i/d005/k001", "/i/d1/k000",       "/i/e/k000"}
        << QByteArray("/i/d000/k000");

    QList<QByteArray> letters;
    for (const char *name : {"api", "auth", "billing", "config", "config-old", "db", "Zeta", "mail",
                             "queue", "registry", "services", "users", "~tilde"}) {
        letters << "/l/" + QByteArray(name) + "/x"
                << "/l/" + QByteArray(name) + "/y/z";
    }
    letters << "/l/config"
            << "/l/readme";
    QTest::newRow("letters, leaves and dirs") << QByteArray("/l/") << letters << QByteArray();
    QTest::newRow("letters, hinted") << QByteArray("/l/") << letters << QByteArray("/l/api/x");

    QRandomGenerator rng(7);
    QList<QByteArray> uuids;
    for (int i = 0; i < 150; ++i) {
        const QByteArray id = uuidLike(rng);
        uuids << "/u/" + id + "/meta"
              << "/u/" + id + "/spec";
        if (i % 5 == 0)
            uuids << "/u/" + id; // a key and a directory
    }
    QTest::newRow("uuids") << QByteArray("/u/") << uuids << QByteArray();
    QTest::newRow("uuids, hinted") << QByteArray("/u/") << uuids << QByteArray(uuids.first());

    // Mostly leaves with a few directories between them.
    QList<QByteArray> mixed;
    for (int i = 0; i < 3000; ++i) {
        const QByteArray n = QByteArray::number(i).rightJustified(5, '0');
        mixed << (i % 97 == 0 ? "/m/s" + n + "/a/b" : "/m/s" + n);
    }
    QTest::newRow("mixed leaves and dirs") << QByteArray("/m/") << mixed << QByteArray();
    QTest::newRow("mixed, hinted") << QByteArray("/m/") << mixed << QByteArray("/m/s00000/a/b");

    // A flat level bigger than one page: read in pieces side by side.
    QList<QByteArray> flat;
    for (int i = 0; i < 40000; ++i)
        flat << "/f/key" + QByteArray::number(rng.bounded(1000000000));
    QTest::newRow("flat, 40000 random names") << QByteArray("/f/") << flat << QByteArray();
}

void TestV3LevelLister::levels()
{
    QFETCH(QByteArray, prefix);
    QFETCH(QList<QByteArray>, keys);
    QFETCH(QByteArray, hint);
    QVERIFY(putAll(m_client->v3(), keys));
    Level listed;
    int requests = 0;
    QVERIFY2(list(prefix, hint, &listed, &requests), "failed, or a batch out of key order");
    const Level expected = expectedLevel(keysBelow(m_client->v3(), prefix), prefix, false);
    QCOMPARE(listed.size(), expected.size());
    QVERIFY(listed == expected);
    qInfo() << expected.size() << "children in" << requests << "requests";
}

void TestV3LevelLister::wholeKeyspace()
{
    // Whatever the other tests left, plus keys without a leading separator and one at "\0".
    QVERIFY(putAll(m_client->v3(), {QByteArray("\x00zero", 5), "plain", "x/y", "/top/a/b"}));
    Level listed;
    int requests = 0;
    QVERIFY(list(QByteArray(), QByteArray(), &listed, &requests, true));
    const Level expected = expectedLevel(keysBelow(m_client->v3(), QByteArray()), {}, true);
    QVERIFY(listed == expected);
    // And hinted the way the root's own answers would hint it.
    Level hinted;
    QVERIFY(list(QByteArray(), "/top/a/b", &hinted, &requests, true));
    QVERIFY(hinted == expected);
}

void TestV3LevelLister::staleHints_data()
{
    QTest::addColumn<QByteArray>("hint");
    QTest::newRow("deleted directory") << QByteArray("/s/gone/k000");
    QTest::newRow("outside the level") << QByteArray("/elsewhere/x/y");
    QTest::newRow("a leaf") << QByteArray("/s/leaf");
    QTest::newRow("the level itself") << QByteArray("/s/");
    QTest::newRow("binary") << QByteArray("/s/\xff\xff/\x00", 8);
}

void TestV3LevelLister::staleHints()
{
    QFETCH(QByteArray, hint);
    QVERIFY(putAll(m_client->v3(), {"/s/a/k", "/s/b/k", "/s/leaf", "/s/z9/q/r"}));
    Level listed;
    int requests = 0;
    QVERIFY(list("/s/", hint, &listed, &requests));
    QVERIFY(listed == expectedLevel(keysBelow(m_client->v3(), "/s/"), "/s/", false));
}

void TestV3LevelLister::guessedLevelIsCheap()
{
    // 100 numbered directories of 200 keys each: hinted, every guess is right, and the level
    // takes one round of transactions (one per connection used), not one request per child.
    QList<QByteArray> keys;
    for (int d = 0; d < 100; ++d) {
        for (int k = 0; k < 200; ++k)
            keys << "/cheap/d" + QByteArray::number(d).rightJustified(3, '0') + "/k" +
                        QByteArray::number(k).rightJustified(3, '0');
    }
    QVERIFY(putAll(m_client->v3(), keys));
    Level listed;
    int requests = 0;
    QVERIFY(list("/cheap/", "/cheap/d000/k000", &listed, &requests));
    QCOMPARE(int(listed.size()), 100);
    QVERIFY2(requests <= V3LevelLister::maxInFlight, qPrintable(QString::number(requests)));
    // Unhinted: a first page, then the same.
    Level unhinted;
    QVERIFY(list("/cheap/", {}, &unhinted, &requests));
    QVERIFY(unhinted == listed);
    QVERIFY2(requests <= 1 + 2 * V3LevelLister::maxInFlight, qPrintable(QString::number(requests)));
}

void TestV3LevelLister::errorEndsListing()
{
    // A closed connection: the listing ends once, with an error, and reports nothing after it.
    EtcdClient client;
    EtcdClient::Options options;
    options.endpoints = {QStringLiteral("http://127.0.0.1:1")};
    options.api = EtcdClient::Api::V3;
    options.timeoutMs = 5000;
    QVERIFY(!client.configure(options));
    V3LevelLister lister(client.v3(), "/x/", '/', false);
    int finished = 0;
    EtcdError error;
    lister.start([](const std::vector<ListedChild> &) {},
                 [&](const EtcdError &e) {
                     ++finished;
                     error = e;
                 });
    QTRY_COMPARE_WITH_TIMEOUT(finished, 1, 10000);
    QVERIFY(bool(error));
}

QTEST_GUILESS_MAIN(TestV3LevelLister)
#include "tst_v3levellister.moc"
