#pragma once

#include <QByteArray>
#include <QString>

// How a key's bytes are shown: valid UTF-8 as text; each byte that is not part of a valid UTF-8
// sequence, and each control character, as \xNN. Never loses the fact that bytes were odd.
QString displayKey(const QByteArray &key);

// A value cut for a cell: its first line (a binary value: its first bytes), at most maxChars
// characters, every control character and invalid UTF-8 byte escaped as \xNN, "…" when
// something was cut. Only the head is read, so a 1 MiB value costs what a short one does.
QString valuePreview(const QByteArray &value, int maxChars);
