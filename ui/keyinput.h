#pragma once

#include <QByteArray>
#include <QString>

// The inverse of displayKey() for what the user types or pastes: "\xNN" (two hex digits) is
// that byte, everything else is UTF-8. So a copied binary key can be pasted into "Go to key" or
// "New key" and names the same bytes. A backslash not followed by x and two hex digits stays a
// backslash (displayKey() never escapes one, so "\x41" typed literally is ambiguous: the byte
// wins).
QByteArray keyFromDisplay(const QString &text);
