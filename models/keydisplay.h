#pragma once

#include <QByteArray>
#include <QString>

// How a key's bytes are shown: valid UTF-8 as text; each byte that is not part of a valid UTF-8
// sequence, and each control character, as \xNN. Never loses the fact that bytes were odd.
QString displayKey(const QByteArray &key);
