#include "keytreereveal.h"

#include "keytreemodel.h"

#include "keydisplay.h"
#include "keynode.h"
#include "keytreelister.h"
#include "keytreelisting.h"

namespace {

EtcdError notFound(const QByteArray &key)
{
    EtcdError error(EtcdError::Kind::Etcd,
                    KeyTreeModel::tr("Key %1 was not found.").arg(displayKey(key)));
    error.setCondition(EtcdError::Condition::KeyNotFound);
    return error;
}

} // namespace

KeyTreeReveal::KeyTreeReveal(KeyTreeModel &model)
    : m(model)
{
}

void KeyTreeReveal::start(const QByteArray &key)
{
    m_key = key;
    m_reading.clear();
    if (!m.m_lister->client()) {
        fail(EtcdError::notConnected());
        return;
    }
    if (!m.m_lister->canRead()) {
        m.reload(); // lists the top level; its levelLoaded continues the reveal
        return;
    }
    walk();
}

void KeyTreeReveal::walk()
{
    if (m_key.isEmpty() || !m_reading.isEmpty())
        return;
    const QByteArray key = m_key;
    KeyNode *dir = m.m_root.get();
    QByteArray prefix = m.m_lister->rootLevel();
    if (!key.startsWith(prefix)) {
        fail(notFound(key));
        return;
    }
    for (;;) {
        if (!dir->has(KeyNode::Populated)) {
            // Listed first; levelLoaded brings us back here.
            if (!dir->has(KeyNode::Loading))
                m.m_listing->start(dir, false);
            return;
        }
        bool leaf = false;
        const QByteArray name = m.nameOf(dir, prefix, key, &leaf);
        KeyNode *child = dir->child(name);
        if (!child) {
            if (dir->has(KeyNode::Loading))
                return; // a refresh in flight may still bring it
            if (m.isV2() && name.startsWith('_') && !m.showHidden()) {
                fail(EtcdError(EtcdError::Kind::Cancelled,
                               KeyTreeModel::tr("%1 is a hidden key; show hidden keys to go to it.")
                                   .arg(displayKey(prefix + name))));
            } else if (m.isV2() && name.startsWith('_')) {
                // etcd leaves "_" names out of listings; they can only be read by path.
                m_reading = prefix + name;
                m.m_lister->readKey(m_reading);
            } else {
                fail(notFound(key));
            }
            return;
        }
        if (leaf) {
            const QModelIndex idx = m.indexForNode(child);
            if (!idx.isValid()) {
                fail(EtcdError(
                    EtcdError::Kind::Cancelled,
                    KeyTreeModel::tr("Key %1 is hidden by the filter.").arg(displayKey(key))));
                return;
            }
            m_key.clear();
            Q_EMIT m.keyRevealed(idx);
            return;
        }
        if (!child->has(KeyNode::IsDir)) {
            fail(notFound(key));
            return;
        }
        prefix += name;
        prefix += m.sep();
        dir = child;
    }
}

void KeyTreeReveal::keyRead(const QByteArray &path, const KeyInfo &info, const EtcdError &error)
{
    if (m_key.isEmpty() || path != m_reading)
        return;
    m_reading.clear();
    if (error) {
        fail(error);
        return;
    }
    // The directory may have been dropped or listed again meanwhile: found again by key.
    const int slash = int(path.lastIndexOf('/'));
    if (KeyNode *d = m.findLevel(path.left(slash + 1)); d && d->has(KeyNode::Populated)) {
        KeyTreeEntry e;
        e.name = path.mid(slash + 1);
        e.isDir = info.isDir;
        e.isKey = !e.isDir;
        e.info = info;
        m.m_listing->merge(d, {e});
    }
    walk();
}

void KeyTreeReveal::fail(const EtcdError &error)
{
    if (m_key.isEmpty())
        return;
    const QByteArray key = m_key;
    m_key.clear();
    m_reading.clear();
    Q_EMIT m.revealFailed(key, error);
}

void KeyTreeReveal::levelFailed(const QByteArray &level, bool isRoot, const EtcdError &error)
{
    if (!m_key.isEmpty() && (isRoot || m_key.startsWith(level)))
        fail(error);
}
