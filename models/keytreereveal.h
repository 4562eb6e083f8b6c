#pragma once

#include "etcderror.h"
#include "keyinfo.h"

#include <QByteArray>

class KeyTreeModel;

// "Go to key" on a KeyTreeModel: the levels down to the key listed one after the other, a v2
// hidden name read by path (etcd leaves "_" names out of listings), then the model's
// keyRevealed or revealFailed. One at a time: a new one replaces the last.
class KeyTreeReveal
{
public:
    explicit KeyTreeReveal(KeyTreeModel &model);

    void start(const QByteArray &key);
    // A level was listed (or dropped): walk on.
    void walk();
    // A level failed: the reveal fails with it when the key lies below.
    void levelFailed(const QByteArray &level, bool isRoot, const EtcdError &error);
    void keyRead(const QByteArray &path, const KeyInfo &info, const EtcdError &error);
    // The model was reset: a read by path on its way went with it.
    void readDropped() { m_reading.clear(); }

private:
    void fail(const EtcdError &error);

    KeyTreeModel &m;
    QByteArray m_key;     // empty: none in progress
    QByteArray m_reading; // the hidden path read by key
};
