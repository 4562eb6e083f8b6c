#include "keyinput.h"

namespace {
int hexValue(QChar c)
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
} // namespace

QByteArray keyFromDisplay(const QString &text)
{
    QByteArray out;
    out.reserve(text.size());
    qsizetype plainStart = 0;
    const auto flushPlain = [&](qsizetype end) {
        if (end > plainStart)
            out += QStringView(text).mid(plainStart, end - plainStart).toUtf8();
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) != QLatin1Char('\\'))
            continue;
        if (i + 3 < text.size() && text.at(i + 1) == QLatin1Char('x')) {
            const int hi = hexValue(text.at(i + 2));
            const int lo = hexValue(text.at(i + 3));
            if (hi >= 0 && lo >= 0) {
                flushPlain(i);
                out += char((hi << 4) | lo);
                i += 3;
                plainStart = i + 1;
            }
        }
    }
    flushPlain(text.size());
    return out;
}
