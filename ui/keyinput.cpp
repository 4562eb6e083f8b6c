#include "keyinput.h"

#include "valuecodec.h"

using ValueCodec::hexDigitValue;

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
            const int hi = hexDigitValue(text.at(i + 2));
            const int lo = hexDigitValue(text.at(i + 3));
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
