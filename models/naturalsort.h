#pragma once

#include <QByteArray>

// Orders names the way people count: "inst2" before "inst10". Runs of ASCII digits compare by
// numeric value (leading zeros ignored), everything else byte by byte. Names that only differ in
// leading zeros ("a01", "a1") are told apart by their bytes, so this is a strict total order:
// equal only for equal names, which lets the tree binary-search a level by name.
int naturalCompare(const QByteArray &a, const QByteArray &b);

inline bool naturalLess(const QByteArray &a, const QByteArray &b)
{
    return naturalCompare(a, b) < 0;
}
