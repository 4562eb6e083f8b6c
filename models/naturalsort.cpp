#include "naturalsort.h"

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

} // namespace

int naturalCompare(const QByteArray &a, const QByteArray &b)
{
    const char *pa = a.constData();
    const char *pb = b.constData();
    const qsizetype na = a.size();
    const qsizetype nb = b.size();
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < na && j < nb) {
        if (isDigit(pa[i]) && isDigit(pb[j])) {
            // Skip leading zeros, then the longer run of significant digits is the larger
            // number; equal lengths compare digit by digit. No overflow for any length.
            qsizetype si = i;
            qsizetype sj = j;
            while (si < na && pa[si] == '0')
                ++si;
            while (sj < nb && pb[sj] == '0')
                ++sj;
            qsizetype ei = si;
            qsizetype ej = sj;
            while (ei < na && isDigit(pa[ei]))
                ++ei;
            while (ej < nb && isDigit(pb[ej]))
                ++ej;
            const qsizetype la = ei - si;
            const qsizetype lb = ej - sj;
            if (la != lb)
                return la < lb ? -1 : 1;
            for (qsizetype k = 0; k < la; ++k) {
                if (pa[si + k] != pb[sj + k])
                    return pa[si + k] < pb[sj + k] ? -1 : 1;
            }
            i = ei;
            j = ej;
            continue;
        }
        const uchar ca = uchar(pa[i]);
        const uchar cb = uchar(pb[j]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        ++i;
        ++j;
    }
    if (i < na || j < nb)
        return i < na ? 1 : -1;
    // Same under natural order ("a01" and "a1"): fall back to the bytes for a total order.
    const int bytes = a.compare(b);
    return bytes < 0 ? -1 : (bytes > 0 ? 1 : 0);
}
