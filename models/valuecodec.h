#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

// Pure conversions between a value's bytes and the text the editor shows in each view mode
// (UTF-8 text, pretty JSON, a hex dump, base64), with the position of the first error when text
// does not parse back. No state, no widgets: every function is safe on any thread.
namespace ValueCodec {

enum class Mode { Text, Json, Hex, Base64 };

// Why a text did not convert. line and column are 1-based; 0 when the error has no position.
struct Error
{
    QString message; // what is wrong ("unterminated string"); empty: no error
    QString format;  // what was being read: "JSON", "hex", "base64"
    int line = 0;
    int column = 0;

    bool isError() const { return !message.isEmpty(); }
    explicit operator bool() const { return isError(); }
    // "Invalid JSON at line 3, column 14: unterminated string" (or without a position).
    QString toString() const;
};

// Bytes decoded from a text, or why they could not be.
struct Decoded
{
    QByteArray bytes;
    Error error;

    bool ok() const { return !error.isError(); }
};

// A mode's name as the user sees it ("Text", "JSON", "Hex", "Base64"), translated.
QString modeName(Mode mode);

// True when the bytes are not valid UTF-8, or hold NUL or control bytes other than \t \r \n.
// Such a value opens in hex: showing it as text could not give the same bytes back.
bool isBinary(const QByteArray &value);
// A JSON object or array (after leading white space) of a size worth pretty-printing.
bool isJsonDocument(const QByteArray &value);
// True when the bytes survive a trip through QString unchanged (valid UTF-8, no replacement).
bool isValidUtf8(const QByteArray &value);

// How a text's lines end. A plain text editor (QTextDocument) turns "\r\n", a lone "\r" and
// U+2029 all into one kind of line break, so only a value whose lines all end the same way can
// be edited as text and give its bytes back: nullopt for a lone carriage return, "\r\n" mixed
// with "\n", or a U+2029 paragraph separator.
enum class LineEnding { Lf, CrLf };
std::optional<LineEnding> lineEnding(const QByteArray &value);

// UTF-8 text, "\r\n" kept as is. fromText never fails.
QString toText(const QByteArray &value);
QByteArray fromText(const QString &text);

// JSON: toJson pretty-prints (4-space indent as QJsonDocument::Indented does); an invalid value
// gives the parse error with its position. fromJson validates and returns the text as typed
// (UTF-8), keeping the user's own formatting.
Error toJson(const QByteArray &value, QString *pretty);
Decoded fromJson(const QString &text);
// Line and column (1-based, column in UTF-16 units of the line) of a byte offset in UTF-8.
void lineColumnOfUtf8Offset(const QByteArray &utf8, qsizetype offset, int *line, int *column);

// Hex dump, 16 bytes a line: "00000010: 48 65 6c 6c 6f 0a …  |Hello.|". Parsing back is tolerant:
// it drops the offset ("…:" at the start of a line) and the ASCII column (from '|' to the end of
// the line), ignores spaces and newlines, and accepts plain "48656c" as well. Errors name the
// line and column of the first character that is not a hex digit, or an odd digit count.
QString toHex(const QByteArray &value);
Decoded fromHex(const QString &text);
// The value of one hex digit (either case); -1 when c is none.
int hexDigitValue(QChar c);

// Standard base64 with padding, wrapped at 76 characters a line. Parsing back is strict except
// for whitespace: any other character outside the alphabet, misplaced padding or a length that
// is not a multiple of 4 is an error.
QString toBase64(const QByteArray &value);
Decoded fromBase64(const QString &text);

// The text of `value` in `mode`. Fails for Json when the value is not valid JSON, for Text and
// Json when it is not valid UTF-8, and for Text when lineEnding() has no answer (the text could
// not give the same bytes back).
Error encode(Mode mode, const QByteArray &value, QString *text);
// The bytes a text in `mode` stands for.
Decoded decode(Mode mode, const QString &text);

} // namespace ValueCodec
