#pragma once

#include "etcdcall.h"

#include <QObject>
#include <QSslConfiguration>
#include <QStringList>
#include <QUrl>

class QNetworkAccessManager;

// Sends etcd's HTTP requests over one QNetworkAccessManager to a list of endpoints: timeouts,
// failover, authentication headers, TLS configuration and the read-only guard. Knows no API.
class EtcdTransport : public QObject
{
    Q_OBJECT
public:
    explicit EtcdTransport(QObject *parent = nullptr);
    ~EtcdTransport() override;

    // Endpoints as base URLs ("http://127.0.0.1:2379"). A bare "host:port" becomes http://.
    void setEndpoints(const QStringList &endpoints);
    QStringList endpoints() const { return m_endpoints; }
    // The endpoint requests start at; moves to the one that answered last (a stream: as soon as
    // it is accepted with a 2xx, not when it ends).
    QString currentEndpoint() const;
    int currentEndpointIndex() const { return m_current; }

    void setDefaultTimeout(int ms) { m_defaultTimeoutMs = ms; }
    int defaultTimeout() const { return m_defaultTimeoutMs; }

    void setCredentials(const QString &user, const QString &password);
    QString user() const { return m_user; }
    QString password() const { return m_password; }
    bool hasCredentials() const { return !m_user.isEmpty(); }
    void setToken(const QByteArray &token) { m_token = token; }
    QByteArray token() const { return m_token; }

    // A change of either drops the open connections (requests in flight fail): one opened
    // without verification, or with another client certificate, must not be reused.
    void setSslConfiguration(const QSslConfiguration &config);
    QSslConfiguration sslConfiguration() const { return m_ssl; }
    // The name the servers' certificates are checked against instead of the endpoint's host
    // (https:// only); empty: the host.
    void setServerName(const QString &name);
    QString serverName() const { return m_serverName; }
    // True when certificates are not verified at all (QSslSocket::VerifyNone).
    bool skipsVerification() const { return m_ssl.peerVerifyMode() == QSslSocket::VerifyNone; }

    void setReadOnly(bool readOnly) { m_readOnly = readOnly; }
    bool isReadOnly() const { return m_readOnly; }

    // Starts a call. The handler runs later, in the thread of the transport, unless the call is
    // cancelled or the context object destroyed first.
    EtcdCall *send(const EtcdHttpRequest &request, QObject *context, EtcdCall::Handler handler);

    static QString normalizeEndpoint(const QString &endpoint);

Q_SIGNALS:
    void currentEndpointChanged(const QString &endpoint);

private:
    friend class EtcdCall;
    // `deadlineMs` > 0: the time the call has left, which a gRPC request carries as its
    // grpc-timeout so that etcd gives up on it too.
    QNetworkReply *post(const EtcdHttpRequest &request, int endpointIndex, int deadlineMs = 0);
    void setCurrent(int index);

    QNetworkAccessManager *m_nam;
    QStringList m_endpoints;
    int m_current = 0;
    int m_defaultTimeoutMs = 5000;
    QString m_user;
    QString m_password;
    QByteArray m_token;
    QSslConfiguration m_ssl;
    QString m_serverName;
    bool m_readOnly = false;
};
