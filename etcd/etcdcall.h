#pragma once

#include "etcderror.h"
#include "etcdhttp.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

class EtcdTransport;
class QNetworkReply;

// One logical call to etcd: the handle a caller keeps to cancel it or change its timeout.
// It may send several HTTP requests (failover to the next endpoint, a retry after a token was
// renewed). It deletes itself after it finished; keep it in a QPointer.
// Invariants: the handler never runs from inside the function that started the call, and never
// runs after cancel() or after the context object given at start is destroyed.
class EtcdCall : public QObject
{
    Q_OBJECT
public:
    // Decides what an answer means. Returns true when the call is done; false when the handler
    // took over and will call resend() or fail() later (for example after renewing a token).
    using Handler = std::function<bool(EtcdCall *, const EtcdHttpResponse &, const EtcdError &)>;

    ~EtcdCall() override;

    void cancel();
    bool isFinished() const { return m_finished; }
    bool isCancelled() const { return m_cancelled; }
    // Milliseconds for the whole call, failovers included; 0 means none.
    void setTimeout(int ms);
    int timeout() const { return m_timeoutMs; }
    const EtcdHttpRequest &request() const { return m_request; }
    // The endpoint that answered, or the last one tried.
    QString endpoint() const { return m_endpoint; }
    // The token the last attempt went out with (empty without one): whoever sees it refused
    // can tell whether it was renewed since.
    QByteArray tokenSent() const { return m_tokenSent; }
    // The current attempt had to open a connection (none to its endpoint was open to reuse).
    bool openedConnection() const { return m_openedConnection; }

    // For handlers that took over: send the request again (from the current endpoint), or end
    // the call with an error delivered to the handler.
    void resend();
    void fail(const EtcdError &error);
    // The request may be changed before resend() (a renewed token is added by the transport).
    EtcdHttpRequest &mutableRequest() { return m_request; }

Q_SIGNALS:
    // Streaming calls: a chunk of the body as it arrives.
    void dataArrived(const QByteArray &chunk);
    void finished();

private:
    friend class EtcdTransport;
    EtcdCall(EtcdTransport *transport, EtcdHttpRequest request, Handler handler);

    void start();
    void sendAttempt();
    void onReplyFinished();
    // Streaming calls: true when the answer so far is a 2xx (its endpoint becomes current).
    bool onStreamHeaders();
    void onTimeout();
    void deliver(const EtcdHttpResponse &response, const EtcdError &error);
    void finish();
    void abortReply();

    QPointer<EtcdTransport> m_transport;
    EtcdHttpRequest m_request;
    Handler m_handler;
    QPointer<QNetworkReply> m_reply;
    QTimer m_timer;
    int m_timeoutMs = 0;
    int m_endpointIndex = -1; // the endpoint of the current attempt
    int m_attempts = 0;       // attempts in the current round over the endpoints
    bool m_started = false;
    bool m_timedOut = false;
    bool m_cancelled = false;
    bool m_finished = false;
    bool m_inHandler = false;
    bool m_openedConnection = false;
    QString m_endpoint;
    QByteArray m_tokenSent;
    QStringList m_tlsDetails; // one line per certificate problem, with the certificate
    QStringList m_tlsReasons; // the problems alone, each once
};
