#include "etcderror.h"

EtcdError::EtcdError(Kind kind, QString message)
    : m_kind(kind)
    , m_condition(kind == Kind::None ? Condition::None : Condition::Other)
    , m_message(std::move(message))
{
}

EtcdError EtcdError::network(QString message, QString endpoint)
{
    EtcdError e(Kind::Network, std::move(message));
    e.m_endpoint = std::move(endpoint);
    return e;
}

EtcdError EtcdError::timeout(int ms, QString endpoint)
{
    EtcdError e(Kind::Timeout, QStringLiteral("no answer within %1 ms").arg(ms));
    e.m_endpoint = std::move(endpoint);
    return e;
}

EtcdError EtcdError::protocol(QString message, QString endpoint)
{
    EtcdError e(Kind::Protocol, std::move(message));
    e.m_endpoint = std::move(endpoint);
    return e;
}

EtcdError EtcdError::cancelled()
{
    return EtcdError(Kind::Cancelled, QStringLiteral("cancelled"));
}

EtcdError EtcdError::readOnly(QString what)
{
    return EtcdError(Kind::ReadOnly,
                     QStringLiteral("the connection is read-only: %1 was not sent").arg(what));
}

EtcdError EtcdError::notConnected()
{
    EtcdError e(Kind::Cancelled, QStringLiteral("not connected to a cluster"));
    e.m_condition = Condition::NotConnected;
    return e;
}

EtcdError EtcdError::v3Required(QString what)
{
    EtcdError e(Kind::Etcd, QStringLiteral("%1 needs the v3 API").arg(what));
    e.m_condition = Condition::V3Required;
    return e;
}

EtcdError EtcdError::keyNotFound(const QByteArray &key)
{
    EtcdError e(Kind::Etcd, QStringLiteral("key not found"));
    e.m_condition = Condition::KeyNotFound;
    e.m_cause = QString::fromUtf8(key);
    return e;
}

EtcdError EtcdError::keyExists(const QByteArray &key)
{
    EtcdError e(Kind::Etcd, QStringLiteral("key already exists"));
    e.m_condition = Condition::KeyExists;
    e.m_cause = QString::fromUtf8(key);
    return e;
}

EtcdError EtcdError::conflict(const QByteArray &key, bool exists, qint64 revision)
{
    EtcdError e(Kind::Etcd,
                exists ? QStringLiteral("compare failed: the key was changed at %1").arg(revision)
                       : QStringLiteral("compare failed: the key was deleted"));
    e.m_condition = exists ? Condition::CompareFailed : Condition::KeyNotFound;
    e.m_cause = QString::fromUtf8(key);
    e.m_conflict = true;
    e.m_revision = exists ? revision : 0;
    return e;
}

QString EtcdError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("no error");
    case Kind::Network:
        return QStringLiteral("network error");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Tls:
        return QStringLiteral("TLS error");
    case Kind::Http:
        return QStringLiteral("HTTP error");
    case Kind::Etcd:
        return QStringLiteral("etcd error");
    case Kind::Protocol:
        return QStringLiteral("protocol error");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    case Kind::ReadOnly:
        return QStringLiteral("read-only");
    }
    return {};
}

QString EtcdError::toString() const
{
    if (!isError())
        return kindName(m_kind);
    QString s = kindName(m_kind);
    if (m_code)
        s += QLatin1Char(' ') + QString::number(m_code);
    else if (m_httpStatus)
        s += QStringLiteral(" (HTTP %1)").arg(m_httpStatus);
    s += QStringLiteral(": ") + m_message;
    if (!m_cause.isEmpty())
        s += QStringLiteral(" (") + m_cause + QLatin1Char(')');
    for (const QString &d : m_details)
        s += QStringLiteral("; ") + d;
    if (!m_endpoint.isEmpty())
        s += QStringLiteral(" [") + m_endpoint + QLatin1Char(']');
    return s;
}
