#include "keyseeder.h"

#include "etcdv3client.h"
#include "etcdv3types.h"

KeySeeder::KeySeeder(EtcdV3Client *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

void KeySeeder::start(qint64 count, KeyFunction key)
{
    m_key = std::move(key);
    m_count = count;
    m_next = 0;
    m_written = 0;
    m_inFlight = 0;
    m_lastProgress = 0;
    m_running = true;
    m_timer.start();
    if (count <= 0) {
        // Never synchronously from start(): the caller may connect after calling it.
        QMetaObject::invokeMethod(
            this, [this] { finish({}); }, Qt::QueuedConnection);
        return;
    }
    fill();
}

void KeySeeder::fill()
{
    if (!m_client) {
        finish(EtcdError(EtcdError::Kind::Cancelled, QStringLiteral("client gone")));
        return;
    }
    while (m_running && m_inFlight < m_maxInFlight && m_next < m_count) {
        EtcdV3TxnRequest txn;
        const qint64 end = qMin(m_count, m_next + m_putsPerTxn);
        txn.success.reserve(end - m_next);
        for (qint64 i = m_next; i < end; ++i)
            txn.success.append(EtcdV3RequestOp::makePut(m_key(i), QByteArray::number(i)));
        const qint64 n = end - m_next;
        m_next = end;
        ++m_inFlight;
        m_client->txn(txn, this, [this, n](const EtcdResult<EtcdV3TxnResult> &r) {
            --m_inFlight;
            if (!m_running)
                return;
            if (!r.ok()) {
                finish(r.error);
                return;
            }
            m_written += n;
            // Progress about every 1% so a caller can print it without flooding.
            if (m_written - m_lastProgress >= qMax<qint64>(1, m_count / 100) ||
                m_written == m_count) {
                m_lastProgress = m_written;
                Q_EMIT progressed(m_written, m_count);
            }
            if (m_written == m_count)
                finish({});
            else
                fill();
        });
    }
}

void KeySeeder::finish(const EtcdError &error)
{
    if (!m_running)
        return;
    m_running = false;
    Q_EMIT finished(error);
}
