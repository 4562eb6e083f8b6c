#include "keydisplay.h"

#include "valuecodec.h"

namespace {

// The first `size` bytes of `bytes`, shortened so that it does not end inside a UTF-8 sequence
// (a cut through a character would show as escaped bytes that are not really there).
qsizetype utf8Boundary(const QByteArray &bytes, qsizetype size)
{
    for (qsizetype k = 1; k <= 3 && k <= size; ++k) {
        const auto b = uchar(bytes.at(size - k));
        if ((b & 0xc0) == 0x80)
            continue; // a continuation byte: look further back for the lead byte
        if (b >= 0xc0) {
            const int length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
            if (length > k)
                return size - k;
        }
        break;
    }
    return size;
}

void appendEscaped(QString &out, uchar byte)
{
    static const char hex[] = "0123456789abcdef";
    out += QLatin1String("\\x");
    out += QLatin1Char(hex[byte >> 4]);
    out += QLatin1Char(hex[byte & 0xf]);
}

// Length of the valid UTF-8 sequence starting at i, or 0 when the byte there starts none
// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, truncated).
int validSequence(const uchar *s, qsizetype i, qsizetype n, char32_t *cp)
{
    const uchar b = s[i];
    int len;
    char32_t min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xe0) == 0xc0) {
        len = 2, min = 0x80, *cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
        len = 3, min = 0x800, *cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, *cp = b & 0x07;
    } else {
        return 0;
    }
    if (i + len > n)
        return 0;
    for (int k = 1; k < len; ++k) {
        if ((s[i + k] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i + k] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return len;
}

} // namespace

QString displayKey(const QByteArray &key)
{
    QString out;
    out.reserve(key.size());
    const auto *s = reinterpret_cast<const uchar *>(key.constData());
    const qsizetype n = key.size();
    for (qsizetype i = 0; i < n;) {
        char32_t cp = 0;
        const int len = validSequence(s, i, n, &cp);
        if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            // Invalid bytes and control characters: one escape per byte of the sequence.
            const int count = len == 0 ? 1 : len;
            for (int k = 0; k < count; ++k)
                appendEscaped(out, s[i + k]);
            i += count;
            continue;
        }
        if (cp < 0x10000) {
            out += QChar(char16_t(cp));
        } else {
            out += QChar(QChar::highSurrogate(cp));
            out += QChar(QChar::lowSurrogate(cp));
        }
        i += len;
    }
    return out;
}

QString valuePreview(const QByteArray &value, int maxChars)
{
    if (value.isEmpty() || maxChars <= 0)
        return {};
    // Only the head is looked at, so a 1 MiB value costs no more than a short one. Four bytes
    // per character is the most UTF-8 needs; an escaped byte takes four characters.
    const qsizetype limit = qsizetype(maxChars) * 4;
    QByteArray head = value.left(limit);
    bool cut = head.size() < value.size();
    if (cut)
        head.truncate(utf8Boundary(head, head.size()));
    // A binary value has no lines worth speaking of: it shows as escaped bytes from the start.
    if (!ValueCodec::isBinary(head)) {
        const qsizetype newline = head.indexOf('\n');
        if (newline >= 0) {
            cut = newline + 1 < value.size();
            head.truncate(newline);
            if (head.endsWith('\r'))
                head.chop(1);
        }
    }
    QString text = displayKey(head);
    if (text.size() > maxChars) {
        qsizetype end = maxChars;
        if (text.at(end - 1).isHighSurrogate())
            --end;
        text.truncate(end);
        cut = true;
    }
    if (cut)
        text += QChar(0x2026); // …
    return text;
}
