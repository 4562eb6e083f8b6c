#include "keytreeeventqueue.h"

#include <algorithm>
#include <climits>

namespace {

// etcd's default --max-txn-ops: one revision carrying more events than this is a range delete.
constexpr std::size_t maxTxnOps = 128;
// A range delete still arriving is held back until a frame passes without more of it, or at
// most this long (a bound on how late the tree shows it when it trickles in).
constexpr qint64 maxHoldMs = 5000;
// At most this many events applied in one frame (rounded up to a whole revision): ~20 ms here.
constexpr std::size_t maxEventsPerApply = 20000;

} // namespace

KeyTreeEventQueue::KeyTreeEventQueue(std::function<void(std::vector<EtcdWatchEvent> &&)> apply,
                                     std::function<bool()> listing, QObject *parent)
    : QObject(parent)
    , m_apply(std::move(apply))
    , m_listing(std::move(listing))
{
    m_clock.start();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { applyQueued(false); });
}

void KeyTreeEventQueue::append(const QList<EtcdWatchEvent> &events)
{
    if (events.isEmpty())
        return;
    m_queued.insert(m_queued.end(), events.begin(), events.end());
    m_arrived = true;
    schedule();
}

void KeyTreeEventQueue::hold(const EtcdWatchEvent &event)
{
    m_held.push_back(event);
    m_heldKeys.insert(event.key);
}

void KeyTreeEventQueue::release()
{
    if (m_held.empty())
        return;
    m_queued.insert(m_queued.begin(), std::make_move_iterator(m_held.begin()),
                    std::make_move_iterator(m_held.end()));
    m_held.clear();
    m_heldKeys.clear();
    schedule();
}

void KeyTreeEventQueue::schedule()
{
    if (m_timer.isActive())
        return;
    // At most one application per interval: the first events after a quiet frame go on the
    // next event-loop turn (so events parsed from one read are taken together), a burst waits
    // for the rest of the frame.
    const qint64 since = m_sinceApply.isValid() ? m_sinceApply.elapsed() : LLONG_MAX;
    m_timer.start(since >= m_interval ? 0 : int(m_interval - since));
}

void KeyTreeEventQueue::applyQueued(bool all)
{
    m_timer.stop();
    // A level dropped while listing (its row removed) sends no signal: with no listing left,
    // nothing can hold events any more.
    if (!m_held.empty() && !m_listing()) {
        m_queued.insert(m_queued.begin(), std::make_move_iterator(m_held.begin()),
                        std::make_move_iterator(m_held.end()));
        m_held.clear();
        m_heldKeys.clear();
    }
    if (m_queued.empty())
        return;
    std::size_t take = m_queued.size();
    if (!all) {
        // A prefix delete arrives as one revision of many deletes, possibly over several
        // messages. While it keeps coming, its run is held back, so that it is applied at once:
        // whole directories go in one removal each instead of one range per frame (its keys
        // come in byte order, which scatters them over rows in natural order).
        std::size_t tail = m_queued.size();
        const qint64 revision = m_queued.back().revision;
        while (tail > 0 && m_queued[tail - 1].revision == revision && m_queued[tail - 1].isDelete())
            --tail;
        const qint64 now = m_clock.elapsed();
        if (m_queued.size() - tail > maxTxnOps) {
            if (m_holdingSince < 0)
                m_holdingSince = now;
            if (m_arrived && now - m_holdingSince < maxHoldMs)
                take = tail;
        }
    }
    if (!all && take > maxEventsPerApply) {
        // A backlog (a watch catching up after a break gets up to 1,000 revisions a message) is
        // applied a slice per frame, whole revisions only, so the window keeps painting. One
        // big revision (a prefix delete) still goes at once: it is one removal per directory.
        std::size_t cut = maxEventsPerApply;
        const qint64 revision = m_queued[cut - 1].revision;
        while (cut < take && m_queued[cut].revision == revision)
            ++cut;
        take = cut;
    }
    const auto end = m_queued.begin() + std::ptrdiff_t(take);
    std::vector<EtcdWatchEvent> events(std::make_move_iterator(m_queued.begin()),
                                       std::make_move_iterator(end));
    m_queued.erase(m_queued.begin(), end);
    if (m_queued.empty())
        m_holdingSince = -1;
    m_arrived = false;
    m_sinceApply.restart();
    m_applied += qint64(events.size());
    if (!events.empty())
        m_apply(std::move(events));
    if (!m_queued.empty() && !m_timer.isActive())
        m_timer.start(m_interval);
}
