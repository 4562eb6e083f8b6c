// KeyTreeModel: go to key, resync and edits, each handed to its class.
#include "keytreemodel.h"

#include "keytreeops.h"
#include "keytreeresync.h"
#include "keytreereveal.h"

void KeyTreeModel::revealKey(const QByteArray &key)
{
    m_reveal->start(key);
}

// ---- resync (KeyTreeResync) and edits (KeyTreeOps) --------------------------------------------

void KeyTreeModel::resync(std::function<void(qint64 revision)> done)
{
    flushEvents();
    m_resync = std::make_unique<KeyTreeResync>(*this, std::move(done));
}

void KeyTreeModel::applyPut(const KeyInfo &info)
{
    KeyTreeOps(*this).applyPut(info);
}

void KeyTreeModel::applyDelete(const QByteArray &key)
{
    KeyTreeOps(*this).applyDelete(key);
}

void KeyTreeModel::applyDeletePrefix(const QByteArray &prefix)
{
    KeyTreeOps(*this).applyDeletePrefix(prefix);
}
