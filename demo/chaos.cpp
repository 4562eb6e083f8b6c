// The demo's misbehaving servers.
#include "chaos.h"

#include "console.h"
#include "demoserver.h"

#include <QRandomGenerator>

using Console::say;

namespace {
constexpr int kDieEveryMs = 45000; // from one death to the next
constexpr int kDeadForMs = 15000;
constexpr int kLateEveryMs = 20000;
// Long enough to be seen late through v3 lease answers (renewals known to a second).
constexpr int kLateForMs = 4500;
} // namespace

Chaos::Chaos(DemoServer *dying, DemoServer *late, QObject *parent)
    : QObject(parent)
    , m_dying(dying)
    , m_late(late)
{
    m_dieTimer.setSingleShot(true);
    m_lateTimer.setSingleShot(true);
    connect(&m_dieTimer, &QTimer::timeout, this, [this] { m_dead ? comeBack() : die(); });
    connect(&m_lateTimer, &QTimer::timeout, this, &Chaos::runLate);
}

int Chaos::jittered(int ms, int jitterMs)
{
    return ms - jitterMs + QRandomGenerator::global()->bounded(2 * jitterMs + 1);
}

void Chaos::start()
{
    if (m_dying)
        m_dieTimer.start(jittered(kDieEveryMs, 5000));
    if (m_late)
        m_lateTimer.start(jittered(kLateEveryMs, 3000));
}

void Chaos::die()
{
    // A server stopped by a command is already down: this round passes.
    if (m_dying && m_dying->isBeating()) {
        say(QStringLiteral("chaos: %1 dies (heartbeats stop, its keys expire within %2 s)")
                .arg(m_dying->name())
                .arg(m_dying->ttl()));
        m_dying->stop();
        m_dead = true;
        m_dieTimer.start(jittered(kDeadForMs, 2000));
        return;
    }
    m_dieTimer.start(jittered(kDieEveryMs, 5000));
}

void Chaos::comeBack()
{
    m_dead = false;
    // Started by a command meanwhile: it is back already.
    if (m_dying && !m_dying->isBeating()) {
        say(QStringLiteral("chaos: %1 comes back").arg(m_dying->name()));
        m_dying->start();
    }
    m_dieTimer.start(jittered(kDieEveryMs - kDeadForMs, 5000));
}

void Chaos::runLate()
{
    if (m_late && m_late->isBeating()) {
        const int pauseMs = jittered(kLateForMs, 300);
        say(QStringLiteral("chaos: %1 runs late (no heartbeat for %2 s, ttl %3 s)")
                .arg(m_late->name(), QString::number(pauseMs / 1000.0, 'f', 1))
                .arg(m_late->ttl()));
        m_late->skipHeartbeats(pauseMs);
        QTimer::singleShot(pauseMs, this, &Chaos::onTime);
    }
    m_lateTimer.start(jittered(kLateEveryMs, 3000));
}

void Chaos::onTime()
{
    if (m_late && m_late->isBeating())
        say(QStringLiteral("chaos: %1 is on time again").arg(m_late->name()));
}
