#include "keytreehighlight.h"

#include "keynode.h"
#include "keytreemodel.h"

KeyTreeHighlight::KeyTreeHighlight(KeyTreeModel &model)
    : QObject(&model)
    , m(model)
{
    m_clock.start();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &KeyTreeHighlight::expire);
}

void KeyTreeHighlight::add(const std::vector<QByteArray> &keys)
{
    if (keys.empty())
        return;
    const qint64 until = m_clock.elapsed() + m_duration;
    for (const QByteArray &key : keys) {
        m_until.insert(key, until);
        m_queue.emplace_back(until, key);
    }
    if (!m_timer.isActive())
        m_timer.start(m_duration);
}

void KeyTreeHighlight::clear()
{
    m_queue.clear();
    m_until.clear();
    m_timer.stop();
}

void KeyTreeHighlight::expire()
{
    const qint64 now = m_clock.elapsed();
    std::vector<QByteArray> ended;
    while (!m_queue.empty() && m_queue.front().first <= now) {
        auto [until, key] = std::move(m_queue.front());
        m_queue.pop_front();
        const auto it = m_until.find(key);
        if (it == m_until.end() || *it > until)
            continue; // highlighted again since: a later entry ends it
        m_until.erase(it);
        ended.push_back(std::move(key));
    }
    if (!m_queue.empty())
        m_timer.start(int(std::max<qint64>(0, m_queue.front().first - now)));
    if (!ended.empty())
        end(ended);
}

void KeyTreeHighlight::end(const std::vector<QByteArray> &keys)
{
    std::vector<KeyNode *> ended;
    for (const QByteArray &key : keys) {
        KeyNode *n = m.findNode(key);
        if (n && n->has(KeyNode::Highlighted)) {
            n->set(KeyNode::Highlighted, false);
            ended.push_back(n);
        }
    }
    m.notifyChanged(ended, {Qt::BackgroundRole, KeyTreeModel::HighlightedRole});
}
