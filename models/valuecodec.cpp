#include "valuecodec.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringDecoder>

#include <algorithm>

namespace ValueCodec {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("ValueCodec", text);
}

Error makeError(const QString &format, const QString &message, int line = 0, int column = 0)
{
    Error e;
    e.format = format;
    e.message = message;
    e.line = line;
    e.column = column;
    return e;
}

bool isHexDigit(QChar c)
{
    return hexDigitValue(c) >= 0;
}

bool isSpace(QChar c)
{
    const char16_t u = c.unicode();
    return u == ' ' || u == '\t' || u == '\r' || u == '\n';
}

bool isBase64Char(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '+' ||
           u == '/';
}

// Re-indents valid JSON token by token. Unlike a QJsonDocument round trip it keeps the key
// order, duplicate keys and every number exactly as written (QJsonDocument sorts keys and turns
// integers above 2^53 into doubles). O(n), one pass.
QByteArray reindent(const QByteArray &json)
{
    QByteArray out;
    out.reserve(json.size() + json.size() / 2);
    int depth = 0;
    auto newline = [&out, &depth] {
        out += '\n';
        out.append(QByteArray(depth * 4, ' '));
    };
    const qsizetype n = json.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = json.at(i);
        switch (c) {
        case '"': {
            // Copy the whole string, escapes included.
            const qsizetype start = i;
            for (++i; i < n; ++i) {
                if (json.at(i) == '\\')
                    ++i;
                else if (json.at(i) == '"')
                    break;
            }
            out.append(json.constData() + start, qMin(i, n - 1) - start + 1);
            break;
        }
        case '{':
        case '[': {
            out += c;
            qsizetype j = i + 1;
            while (j < n && isSpace(QChar(json.at(j))))
                ++j;
            if (j < n && (json.at(j) == '}' || json.at(j) == ']')) {
                out += json.at(j); // an empty container stays on one line
                i = j;
            } else {
                ++depth;
                newline();
            }
            break;
        }
        case '}':
        case ']':
            --depth;
            newline();
            out += c;
            break;
        case ',':
            out += c;
            newline();
            break;
        case ':':
            out += ": ";
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
            break;
        default:
            out += c;
        }
    }
    return out;
}

// Validates JSON. Qt only parses an object or an array at the top level, so any other value is
// checked inside brackets (error offsets shifted back by the added byte).
Error validateJson(const QByteArray &utf8)
{
    qsizetype first = 0;
    while (first < utf8.size() && isSpace(QChar(utf8.at(first))))
        ++first;
    const bool container = first < utf8.size() && (utf8.at(first) == '{' || utf8.at(first) == '[');
    QJsonParseError parseError;
    qsizetype offset = 0;
    if (container) {
        QJsonDocument::fromJson(utf8, &parseError);
        offset = parseError.offset;
    } else {
        const QJsonDocument wrapped = QJsonDocument::fromJson('[' + utf8 + ']', &parseError);
        offset = std::clamp<qsizetype>(qsizetype(parseError.offset) - 1, 0, utf8.size());
        // "[]" and "[1, 2]" parse too, but the value was nothing or two values.
        if (parseError.error == QJsonParseError::NoError && wrapped.array().size() != 1) {
            return makeError(QStringLiteral("JSON"), wrapped.array().isEmpty()
                                                         ? tr("the value is empty")
                                                         : tr("more than one value"));
        }
    }
    if (parseError.error == QJsonParseError::NoError)
        return {};
    int line = 0;
    int column = 0;
    lineColumnOfUtf8Offset(utf8, offset, &line, &column);
    return makeError(QStringLiteral("JSON"), parseError.errorString(), line, column);
}

} // namespace

QString Error::toString() const
{
    if (!isError())
        return {};
    if (line > 0) {
        return QCoreApplication::translate("ValueCodec", "Invalid %1 at line %2, column %3: %4")
            .arg(format)
            .arg(line)
            .arg(column)
            .arg(message);
    }
    return QCoreApplication::translate("ValueCodec", "Invalid %1: %2").arg(format, message);
}

QString modeName(Mode mode)
{
    switch (mode) {
    case Mode::Text:
        return tr("Text");
    case Mode::Json:
        return tr("JSON");
    case Mode::Hex:
        return tr("Hex");
    case Mode::Base64:
        return tr("Base64");
    }
    return {};
}

bool isValidUtf8(const QByteArray &value)
{
    // The definition that matters: the text gives the same bytes back.
    return toText(value).toUtf8() == value;
}

bool isJsonDocument(const QByteArray &value)
{
    // Large values stay in text mode: pretty-printing a megabyte on open is not worth it.
    constexpr qsizetype maxSize = 256 * 1024;
    const QByteArray t = value.trimmed();
    if (t.isEmpty() || t.size() > maxSize || (t.front() != '{' && t.front() != '['))
        return false;
    QJsonParseError error;
    QJsonDocument::fromJson(t, &error);
    return error.error == QJsonParseError::NoError;
}

bool isBinary(const QByteArray &value)
{
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r') || u == 0x7f)
            return true;
    }
    return !isValidUtf8(value);
}

std::optional<LineEnding> lineEnding(const QByteArray &value)
{
    if (value.contains("\xe2\x80\xa9")) // U+2029 PARAGRAPH SEPARATOR
        return std::nullopt;
    const qsizetype crs = value.count('\r');
    if (crs == 0)
        return LineEnding::Lf;
    const qsizetype crlfs = value.count("\r\n");
    if (crlfs == crs && crlfs == value.count('\n'))
        return LineEnding::CrLf;
    return std::nullopt;
}

QString toText(const QByteArray &value)
{
    // QString::fromUtf8() drops a leading byte order mark; a value keeps it.
    QStringDecoder decoder(QStringConverter::Utf8, QStringConverter::Flag::ConvertInitialBom);
    return decoder.decode(value);
}

QByteArray fromText(const QString &text)
{
    return text.toUtf8();
}

void lineColumnOfUtf8Offset(const QByteArray &utf8, qsizetype offset, int *line, int *column)
{
    offset = std::clamp<qsizetype>(offset, 0, utf8.size());
    int l = 1;
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < offset; ++i) {
        if (utf8.at(i) == '\n') {
            ++l;
            lineStart = i + 1;
        }
    }
    *line = l;
    *column = int(toText(utf8.mid(lineStart, offset - lineStart)).size()) + 1;
}

Error toJson(const QByteArray &value, QString *pretty)
{
    if (!isValidUtf8(value))
        return makeError(QStringLiteral("JSON"), tr("the value is not UTF-8 text"));
    if (Error e = validateJson(value))
        return e;
    if (pretty)
        *pretty = QString::fromUtf8(reindent(value));
    return {};
}

Decoded fromJson(const QString &text)
{
    Decoded d;
    d.bytes = text.toUtf8();
    d.error = validateJson(d.bytes);
    if (d.error)
        d.bytes.clear();
    return d;
}

QString toHex(const QByteArray &value)
{
    static const char digits[] = "0123456789abcdef";
    constexpr qsizetype perLine = 16;
    // "xxxxxxxx: " + 16 * "xx " + " |" + up to 16 + "|" + "\n"
    constexpr qsizetype lineWidth = 10 + perLine * 3 + 2 + perLine + 2;
    const qsizetype lines = (value.size() + perLine - 1) / perLine;
    // Written straight into one buffer: a 1 MiB value is a 5 MiB dump, and appending character
    // by character costs several times more.
    QString out(lines * lineWidth, Qt::Uninitialized);
    char16_t *p = reinterpret_cast<char16_t *>(out.data());
    const auto *bytes = reinterpret_cast<const unsigned char *>(value.constData());
    for (qsizetype at = 0; at < value.size(); at += perLine) {
        const qsizetype count = qMin(perLine, value.size() - at);
        for (int shift = 28; shift >= 0; shift -= 4)
            *p++ = char16_t(digits[(quint64(at) >> shift) & 0xf]);
        *p++ = u':';
        *p++ = u' ';
        for (qsizetype i = 0; i < perLine; ++i) {
            if (i < count) {
                *p++ = char16_t(digits[bytes[at + i] >> 4]);
                *p++ = char16_t(digits[bytes[at + i] & 0xf]);
            } else {
                *p++ = u' ';
                *p++ = u' ';
            }
            *p++ = u' ';
        }
        *p++ = u' ';
        *p++ = u'|';
        for (qsizetype i = 0; i < count; ++i) {
            const unsigned char b = bytes[at + i];
            *p++ = b >= 0x20 && b < 0x7f ? char16_t(b) : u'.';
        }
        *p++ = u'|';
        if (at + perLine < value.size())
            *p++ = u'\n';
    }
    out.truncate(p - reinterpret_cast<const char16_t *>(out.constData()));
    return out;
}

int hexDigitValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= '0' && u <= '9')
        return u - '0';
    if (u >= 'a' && u <= 'f')
        return u - 'a' + 10;
    if (u >= 'A' && u <= 'F')
        return u - 'A' + 10;
    return -1;
}

Decoded fromHex(const QString &text)
{
    const QString format = QStringLiteral("hex");
    Decoded d;
    d.bytes.reserve(text.size() / 3);
    int line = 1;
    int high = -1; // the first digit of a byte, waiting for the second
    int lastLine = 0;
    int lastColumn = 0;
    qsizetype lineStart = 0;
    const qsizetype n = text.size();
    while (lineStart <= n) {
        qsizetype lineEnd = text.indexOf(QLatin1Char('\n'), lineStart);
        if (lineEnd < 0)
            lineEnd = n;
        // The ASCII column starts at the first '|' and is ignored.
        qsizetype end = text.indexOf(QLatin1Char('|'), lineStart);
        if (end < 0 || end > lineEnd)
            end = lineEnd;
        qsizetype i = lineStart;
        // An offset column "0000abcd:" is dropped.
        const qsizetype colon = text.indexOf(QLatin1Char(':'), lineStart);
        if (colon >= 0 && colon < end) {
            for (qsizetype j = lineStart; j < colon; ++j) {
                if (!isHexDigit(text.at(j)) && !isSpace(text.at(j))) {
                    d.bytes.clear();
                    d.error =
                        makeError(format, tr("not a hex offset"), line, int(j - lineStart) + 1);
                    return d;
                }
            }
            i = colon + 1;
        }
        for (; i < end; ++i) {
            const QChar c = text.at(i);
            if (isSpace(c))
                continue;
            if (!isHexDigit(c)) {
                d.bytes.clear();
                d.error = makeError(format, tr("'%1' is not a hex digit").arg(c), line,
                                    int(i - lineStart) + 1);
                return d;
            }
            lastLine = line;
            lastColumn = int(i - lineStart) + 1;
            if (high < 0) {
                high = hexDigitValue(c);
            } else {
                d.bytes += char((high << 4) | hexDigitValue(c));
                high = -1;
            }
        }
        lineStart = lineEnd + 1;
        ++line;
    }
    if (high >= 0) {
        d.bytes.clear();
        d.error = makeError(format, tr("an odd number of hex digits"), lastLine, lastColumn);
    }
    return d;
}

QString toBase64(const QByteArray &value)
{
    // Wrapped: QPlainTextEdit lays out a line of a million characters very slowly.
    constexpr qsizetype width = 76;
    const QByteArray encoded = value.toBase64();
    QString out;
    out.reserve(encoded.size() + encoded.size() / width + 1);
    for (qsizetype at = 0; at < encoded.size(); at += width) {
        if (at > 0)
            out += QLatin1Char('\n');
        out += QLatin1String(encoded.constData() + at, qMin(width, encoded.size() - at));
    }
    return out;
}

Decoded fromBase64(const QString &text)
{
    const QString format = QStringLiteral("base64");
    Decoded d;
    QByteArray compact;
    compact.reserve(text.size());
    int line = 1;
    qsizetype lineStart = 0;
    int padding = 0;
    int lastLine = 1;
    int lastColumn = 1;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\n')) {
            ++line;
            lineStart = i + 1;
            continue;
        }
        if (isSpace(c))
            continue;
        const int column = int(i - lineStart) + 1;
        if (c == QLatin1Char('=')) {
            ++padding;
            if (padding > 2) {
                d.error = makeError(format, tr("too much padding"), line, column);
                return d;
            }
        } else if (!isBase64Char(c)) {
            d.error = makeError(format, tr("'%1' is not a base64 character").arg(c), line, column);
            return d;
        } else if (padding > 0) {
            d.error = makeError(format, tr("data after the '=' padding"), line, column);
            return d;
        }
        compact += char(c.unicode());
        lastLine = line;
        lastColumn = column;
    }
    if (compact.size() % 4 != 0) {
        d.error = makeError(
            format, tr("the length (%1 characters) is not a multiple of 4").arg(compact.size()),
            lastLine, lastColumn);
        return d;
    }
    auto result = QByteArray::fromBase64Encoding(compact, QByteArray::AbortOnBase64DecodingErrors);
    if (!result) {
        d.error = makeError(format, tr("not valid base64"));
        return d;
    }
    d.bytes = *result;
    return d;
}

Error encode(Mode mode, const QByteArray &value, QString *text)
{
    switch (mode) {
    case Mode::Text:
        if (!isValidUtf8(value)) {
            return makeError(QStringLiteral("UTF-8"),
                             tr("the value is binary; editing it as text would change its "
                                "bytes (use Hex or Base64)"));
        }
        if (!lineEnding(value)) {
            return makeError(QStringLiteral("text"),
                             tr("the value mixes line ends (\\r\\n, \\n, a lone \\r); "
                                "editing it as text would change them (use Hex or Base64)"));
        }
        *text = toText(value);
        return {};
    case Mode::Json:
        return toJson(value, text);
    case Mode::Hex:
        *text = toHex(value);
        return {};
    case Mode::Base64:
        *text = toBase64(value);
        return {};
    }
    return {};
}

Decoded decode(Mode mode, const QString &text)
{
    switch (mode) {
    case Mode::Text:
        return Decoded{fromText(text), {}};
    case Mode::Json:
        return fromJson(text);
    case Mode::Hex:
        return fromHex(text);
    case Mode::Base64:
        return fromBase64(text);
    }
    return {};
}

} // namespace ValueCodec
