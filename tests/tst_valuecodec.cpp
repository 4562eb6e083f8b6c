// ValueCodec: binary detection, the text of each view mode and the bytes parsed back from it,
// with the positions of errors. Pure functions: no etcd.
#include "valuecodec.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace ValueCodec;

class TestValueCodec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isJsonDocument_data();
    void isJsonDocument();
    void isBinary_data();
    void isBinary();
    void roundTrip_data();
    void roundTrip();
    void textRefusesBinary();
    void lineEndings_data();
    void lineEndings();
    void hexLayout();
    void hexParsingIsTolerant_data();
    void hexParsingIsTolerant();
    void hexErrors_data();
    void hexErrors();
    void base64Errors_data();
    void base64Errors();
    void jsonPrettyKeepsOrderAndNumbers();
    void jsonScalars_data();
    void jsonScalars();
    void jsonErrors_data();
    void jsonErrors();
    void errorText();
    void largeValue();
};

void TestValueCodec::isBinary_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("binary");
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("ascii") << QByteArray("hello world") << false;
    QTest::newRow("tabs and newlines") << QByteArray("a\tb\r\nc\n") << false;
    QTest::newRow("utf-8") << QByteArray("grüße, 你好, 🙂") << false;
    QTest::newRow("json") << QByteArray(R"({"a": [1, 2]})") << false;
    QTest::newRow("nul") << QByteArray("a\0b", 3) << true;
    QTest::newRow("escape byte") << QByteArray("\x1b[0m") << true;
    QTest::newRow("bell") << QByteArray("ding\x07") << true;
    QTest::newRow("del") << QByteArray("a\x7f") << true;
    QTest::newRow("latin-1") << QByteArray("caf\xe9") << true;
    QTest::newRow("truncated utf-8") << QByteArray("\xe4\xbd") << true;
    QTest::newRow("overlong") << QByteArray("\xc0\xaf") << true;
    QTest::newRow("ff fe") << QByteArray("\xff\xfe") << true;
    QTest::newRow("surrogate encoded") << QByteArray("\xed\xa0\x80") << true;
}

void TestValueCodec::isBinary()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, binary);
    QCOMPARE(ValueCodec::isBinary(value), binary);
}

void TestValueCodec::roundTrip_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QByteArray>("value");
    QByteArray allBytes;
    for (int i = 0; i < 256; ++i)
        allBytes += char(i);
    const QByteArray text("line 1\nline 2\twith tab\nnbsp:\xc2\xa0 end");
    const QByteArray json(R"({"b":1,"a":[true,false,null,"x\"y"],"n":12345678901234567890})");
    for (const Mode m : {Mode::Hex, Mode::Base64}) {
        const QByteArray name = modeName(m).toUtf8();
        QTest::newRow(name + " empty") << int(m) << QByteArray();
        QTest::newRow(name + " all bytes") << int(m) << allBytes;
        QTest::newRow(name + " 17 bytes") << int(m) << QByteArray("0123456789abcdefg");
        QTest::newRow(name + " text") << int(m) << text;
    }
    QTest::newRow("text") << int(Mode::Text) << text;
    QTest::newRow("text utf-8") << int(Mode::Text) << QByteArray("你好 🙂");
    QTest::newRow("text bom") << int(Mode::Text) << QByteArray("\xef\xbb\xbfhi");
    QTest::newRow("json compact") << int(Mode::Json) << json;
}

void TestValueCodec::roundTrip()
{
    QFETCH(int, mode);
    QFETCH(QByteArray, value);
    QString text;
    const Error e = encode(Mode(mode), value, &text);
    QVERIFY2(!e, qPrintable(e.toString()));
    const Decoded back = decode(Mode(mode), text);
    QVERIFY2(back.ok(), qPrintable(back.error.toString()));
    if (Mode(mode) == Mode::Json) {
        // JSON comes back as shown (pretty), meaning the same document.
        QCOMPARE(QJsonDocument::fromJson(back.bytes), QJsonDocument::fromJson(value));
    } else {
        QCOMPARE(back.bytes, value);
    }
}

void TestValueCodec::textRefusesBinary()
{
    QString text;
    QVERIFY(encode(Mode::Text, QByteArray("caf\xe9"), &text).isError());
    QVERIFY(encode(Mode::Json, QByteArray("\xff"), &text).isError());
    // Control bytes in valid UTF-8 survive as text: only isBinary() sends them to hex.
    QVERIFY(!encode(Mode::Text, QByteArray("a\x01"), &text).isError());
    QCOMPARE(decode(Mode::Text, text).bytes, QByteArray("a\x01"));
}

void TestValueCodec::lineEndings_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<int>("ending"); // -1: cannot be edited as text
    QTest::newRow("none") << QByteArray("one line") << int(LineEnding::Lf);
    QTest::newRow("lf") << QByteArray("a\nb\n") << int(LineEnding::Lf);
    QTest::newRow("crlf") << QByteArray("a\r\nb\r\n") << int(LineEnding::CrLf);
    QTest::newRow("mixed") << QByteArray("a\r\nb\n") << -1;
    QTest::newRow("lone cr") << QByteArray("a\rb") << -1;
    QTest::newRow("cr at end") << QByteArray("a\r") << -1;
    QTest::newRow("u+2029") << QByteArray("a\xe2\x80\xa9"
                                          "b")
                            << -1;
}

void TestValueCodec::lineEndings()
{
    QFETCH(QByteArray, value);
    QFETCH(int, ending);
    const std::optional<LineEnding> found = lineEnding(value);
    QCOMPARE(found ? int(*found) : -1, ending);
    QString text;
    QCOMPARE(encode(Mode::Text, value, &text).isError(), ending == -1);
}

void TestValueCodec::hexLayout()
{
    const QString hex = toHex(QByteArray("Hello, world!\n\x00\xff and more", 25));
    const QStringList lines = hex.split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0),
             QStringLiteral("00000000: 48 65 6c 6c 6f 2c 20 77 6f 72 6c 64 21 0a 00 ff  "
                            "|Hello, world!...|"));
    QVERIFY(lines.at(1).startsWith(QStringLiteral("00000010: 20 61 6e 64")));
    QVERIFY(lines.at(1).endsWith(QStringLiteral("| and more|")));
    // The ASCII column lines up on a short last line.
    QCOMPARE(lines.at(1).indexOf(QLatin1Char('|')), lines.at(0).indexOf(QLatin1Char('|')));
    QCOMPARE(toHex({}), QString());
}

void TestValueCodec::hexParsingIsTolerant_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("plain") << "48656c6c6f" << QByteArray("Hello");
    QTest::newRow("upper case") << "48656C6C6F" << QByteArray("Hello");
    QTest::newRow("spaced") << " 48 65\t6c\n6c 6f \n" << QByteArray("Hello");
    QTest::newRow("crlf") << "48 65\r\n6c" << QByteArray("Hel");
    QTest::newRow("with offset and ascii") << "00000000: 48 65 6c  |Hel|" << QByteArray("Hel");
    QTest::newRow("edited ascii ignored") << "0: 48 69 |junk|" << QByteArray("Hi");
    QTest::newRow("pair split by space") << "4 8 6 9" << QByteArray("Hi");
    QTest::newRow("empty") << "" << QByteArray();
    QTest::newRow("blank lines") << "\n\n  \n" << QByteArray();
}

void TestValueCodec::hexParsingIsTolerant()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, bytes);
    const Decoded d = fromHex(text);
    QVERIFY2(d.ok(), qPrintable(d.error.toString()));
    QCOMPARE(d.bytes, bytes);
}

void TestValueCodec::hexErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::newRow("bad digit") << "48 6g" << 1 << 5;
    QTest::newRow("second line") << "00000000: 48 65\n00000010: 6c zz" << 2 << 14;
    QTest::newRow("odd count") << "48 6" << 1 << 4;
    QTest::newRow("bad offset") << "0x10: 48" << 1 << 2;
}

void TestValueCodec::hexErrors()
{
    QFETCH(QString, text);
    QFETCH(int, line);
    QFETCH(int, column);
    const Decoded d = fromHex(text);
    QVERIFY(!d.ok());
    QVERIFY(d.bytes.isEmpty());
    QCOMPARE(d.error.line, line);
    QCOMPARE(d.error.column, column);
    QCOMPARE(d.error.format, QStringLiteral("hex"));
}

void TestValueCodec::base64Errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::newRow("bad character") << "SGVs*G8=" << 1 << 5;
    QTest::newRow("url alphabet") << "SGVs\nbG8_" << 2 << 4;
    QTest::newRow("data after padding") << "SG==SGVs" << 1 << 5;
    QTest::newRow("too much padding") << "S===" << 1 << 4;
    QTest::newRow("length") << "SGVsbG8" << 1 << 7;
}

void TestValueCodec::base64Errors()
{
    QFETCH(QString, text);
    QFETCH(int, line);
    QFETCH(int, column);
    const Decoded d = fromBase64(text);
    QVERIFY(!d.ok());
    QCOMPARE(d.error.line, line);
    QCOMPARE(d.error.column, column);
    QVERIFY(!d.error.message.isEmpty());
    // Whitespace alone is tolerated.
    QCOMPARE(fromBase64(QStringLiteral(" SGVs\n bG8= \n")).bytes, QByteArray("Hello"));
}

void TestValueCodec::jsonPrettyKeepsOrderAndNumbers()
{
    QString pretty;
    const QByteArray json(R"({"z":1,"a":{"big":12345678901234567890,"f":1.50},"e":[],"o":{},)"
                          R"("s":"a,b:{c}\"d"})");
    QVERIFY(!toJson(json, &pretty));
    const QString expected = QStringLiteral("{\n"
                                            "    \"z\": 1,\n"
                                            "    \"a\": {\n"
                                            "        \"big\": 12345678901234567890,\n"
                                            "        \"f\": 1.50\n"
                                            "    },\n"
                                            "    \"e\": [],\n"
                                            "    \"o\": {},\n"
                                            "    \"s\": \"a,b:{c}\\\"d\"\n"
                                            "}");
    QCOMPARE(pretty, expected);
    // fromJson keeps the text as typed.
    QCOMPARE(fromJson(pretty).bytes, pretty.toUtf8());
}

void TestValueCodec::jsonScalars_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    QTest::newRow("number") << QByteArray("42") << true;
    QTest::newRow("string") << QByteArray("\"x\"") << true;
    QTest::newRow("literal") << QByteArray(" true ") << true;
    QTest::newRow("word") << QByteArray("hello") << false;
    QTest::newRow("two values") << QByteArray("1 2") << false;
    QTest::newRow("empty") << QByteArray("") << false;
}

void TestValueCodec::jsonScalars()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    QString pretty;
    QCOMPARE(!toJson(value, &pretty).isError(), valid);
    QCOMPARE(fromJson(QString::fromUtf8(value)).ok(), valid);
}

void TestValueCodec::jsonErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    // Where Qt's parser stopped, which is at or just after the character that went wrong.
    // Columns count characters, not UTF-8 bytes ("ä" is two bytes, one column).
    QTest::newRow("missing comma") << "{\n  \"a\": 1\n  \"b\": 2\n}" << 3 << 4;
    QTest::newRow("trailing comma") << "[1, 2,]" << 1 << 8;
    QTest::newRow("unterminated string") << "{\"a\": \"abc" << 1 << 11;
    QTest::newRow("utf-8 before error") << "{\"ä\": tru}" << 1 << 8;
    QTest::newRow("scalar") << "  nul" << 1 << 4;
}

void TestValueCodec::jsonErrors()
{
    QFETCH(QString, text);
    QFETCH(int, line);
    QFETCH(int, column);
    const Decoded d = fromJson(text);
    QVERIFY(!d.ok());
    QCOMPARE(d.error.format, QStringLiteral("JSON"));
    QCOMPARE(d.error.line, line);
    QCOMPARE(d.error.column, column);
}

void TestValueCodec::errorText()
{
    Error e;
    QCOMPARE(e.toString(), QString());
    e.format = QStringLiteral("JSON");
    e.message = QStringLiteral("unterminated string");
    e.line = 3;
    e.column = 14;
    QCOMPARE(e.toString(),
             QStringLiteral("Invalid JSON at line 3, column 14: unterminated string"));
    e.line = 0;
    QCOMPARE(e.toString(), QStringLiteral("Invalid JSON: unterminated string"));
}

void TestValueCodec::largeValue()
{
    // 1 MiB of random bytes through hex and base64 and back.
    QByteArray value(1024 * 1024, Qt::Uninitialized);
    QRandomGenerator rng(42);
    rng.fillRange(reinterpret_cast<quint32 *>(value.data()), value.size() / 4);
    QVERIFY(ValueCodec::isBinary(value));
    QCOMPARE(fromHex(toHex(value)).bytes, value);
    QCOMPARE(fromBase64(toBase64(value)).bytes, value);
}

void TestValueCodec::isJsonDocument_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("json");
    QTest::newRow("object") << QByteArray(R"({"ip":"10.0.0.5","port":8008})") << true;
    QTest::newRow("array with space") << QByteArray("  [1, 2]\n") << true;
    QTest::newRow("scalar") << QByteArray("42") << false;
    QTest::newRow("string") << QByteArray(R"("text")") << false;
    QTest::newRow("broken") << QByteArray(R"({"a": )") << false;
    QTest::newRow("plain") << QByteArray("hello {x}") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("too big") << QByteArray("[" + QByteArray(300 * 1024, '1') + "]") << false;
}

void TestValueCodec::isJsonDocument()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, json);
    QCOMPARE(ValueCodec::isJsonDocument(value), json);
}

QTEST_GUILESS_MAIN(TestValueCodec)
#include "tst_valuecodec.moc"
