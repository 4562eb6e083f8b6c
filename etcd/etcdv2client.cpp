#include "etcdv2client.h"

#include "etcdtransport.h"
#include "etcdv2json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

using Fields = std::vector<std::pair<QByteArray, QByteArray>>;

QByteArray number(qint64 n)
{
    return QByteArray::number(n);
}

// A flag of the v2 keys API, sent as name=true only when set.
void addFlag(Fields &fields, const char *name, bool set)
{
    if (set)
        fields.emplace_back(name, "true");
}

// The condition of a compare-and-swap (set) or compare-and-delete, where there is one.
void addCondition(Fields &fields, const std::optional<QByteArray> &prevValue,
                  std::optional<qint64> prevIndex)
{
    if (prevValue)
        fields.emplace_back("prevValue", *prevValue);
    if (prevIndex)
        fields.emplace_back("prevIndex", number(*prevIndex));
}

// A set that requires the key to exist already (update) or not yet (create).
EtcdV2SetOptions existenceCondition(bool exists, std::optional<qint64> ttl)
{
    EtcdV2SetOptions options;
    options.ttl = ttl;
    options.prevExist = exists;
    return options;
}

QString keyName(const QByteArray &key)
{
    return key.startsWith('/') ? QString::fromUtf8(key) : QLatin1Char('/') + QString::fromUtf8(key);
}

QByteArray membersPath(quint64 id)
{
    return "/v2/members/" + EtcdV2Json::hexId(id).toLatin1();
}

QByteArray peerUrlsBody(const QStringList &peerUrls)
{
    QJsonObject o;
    o.insert(QLatin1String("peerURLs"), QJsonArray::fromStringList(peerUrls));
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

EtcdV2Client::EtcdV2Client(EtcdTransport *transport, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
{
}

QByteArray EtcdV2Client::keyPath(const QByteArray &key)
{
    // Each segment on its own, so that '/' stays the separator and everything else (space, '%',
    // '?', '#', '+', UTF-8) reaches etcd as it is. Empty segments are dropped: etcd cleans
    // "/a//b" to "/a/b" anyway, and Go's mux would answer such a path with a redirect.
    QByteArray path = "/v2/keys";
    const QList<QByteArray> segments = key.split('/');
    for (const QByteArray &segment : segments) {
        if (segment.isEmpty())
            continue;
        path += '/' + segment.toPercentEncoding();
    }
    if (path == "/v2/keys")
        path += '/';
    return path;
}

QByteArray EtcdV2Client::formEncode(const std::vector<std::pair<QByteArray, QByteArray>> &fields)
{
    QByteArray out;
    for (const auto &[name, value] : fields) {
        if (!out.isEmpty())
            out += '&';
        out += name.toPercentEncoding() + '=' + value.toPercentEncoding();
    }
    return out;
}

EtcdCall *EtcdV2Client::sendKeys(const QByteArray &method, const QByteArray &key,
                                 std::vector<std::pair<QByteArray, QByteArray>> fields,
                                 QString operation, bool wait, QObject *context,
                                 KeysCallback callback)
{
    EtcdHttpRequest request;
    request.method = method;
    request.path = keyPath(key);
    // etcd reads the form of PUT and POST from the body (no URL length limit for big values);
    // GET and DELETE have no body it would read, so their options go in the query.
    if (method == "PUT" || method == "POST") {
        request.body = formEncode(fields);
        request.contentType = "application/x-www-form-urlencoded";
        // Go reads at most 10 MB of form and then closes the connection mid-upload, so the
        // answer (error 210) is lost to Qt: refuse such a request before sending it.
        request.maxBodyBytes = 10 << 20;
        request.maxBodyReason = QStringLiteral("a v2 request is limited to 10 MB of form data");
    } else {
        request.query = formEncode(fields);
    }
    request.kind = method == "GET" ? EtcdHttpRequest::Kind::Read : EtcdHttpRequest::Kind::Write;
    request.auth = EtcdHttpRequest::Auth::Basic;
    request.operation = std::move(operation);
    EtcdCall *call = m_transport->send(
        request, context,
        [callback = std::move(callback), wait](EtcdCall *, const EtcdHttpResponse &response,
                                               const EtcdError &error) {
            if (!callback)
                return true;
            if (error.isError())
                callback({{}, error});
            else
                callback(EtcdV2Json::decodeKeysResponse(response, wait));
            return true;
        });
    if (wait)
        call->setTimeout(0); // a long-poll lasts until something changes
    return call;
}

template<typename T>
EtcdCall *EtcdV2Client::sendJson(const QByteArray &method, const QByteArray &path,
                                 const QByteArray &body, QString operation, QObject *context,
                                 std::function<EtcdResult<T>(const EtcdHttpResponse &)> decode,
                                 Callback<T> callback)
{
    EtcdHttpRequest request;
    request.method = method;
    request.path = path;
    request.body = body;
    if (!body.isEmpty())
        request.contentType = "application/json";
    request.kind = method == "GET" ? EtcdHttpRequest::Kind::Read : EtcdHttpRequest::Kind::Write;
    request.auth = EtcdHttpRequest::Auth::Basic;
    request.operation = std::move(operation);
    return m_transport->send(
        request, context,
        [decode = std::move(decode), callback = std::move(callback)](
            EtcdCall *, const EtcdHttpResponse &response, const EtcdError &error) {
            if (!callback)
                return true;
            if (error.isError())
                callback({T{}, error});
            else
                callback(decode(response));
            return true;
        });
}

// --- keys -------------------------------------------------------------------------------------

EtcdCall *EtcdV2Client::get(const QByteArray &key, const EtcdV2GetOptions &options,
                            QObject *context, KeysCallback callback)
{
    Fields fields;
    addFlag(fields, "recursive", options.recursive);
    addFlag(fields, "sorted", options.sorted);
    addFlag(fields, "quorum", options.quorum);
    return sendKeys("GET", key, std::move(fields), QStringLiteral("v2 get ") + keyName(key), false,
                    context, std::move(callback));
}

EtcdCall *EtcdV2Client::wait(const QByteArray &key, const EtcdV2WaitOptions &options,
                             QObject *context, KeysCallback callback)
{
    Fields fields{{"wait", "true"}};
    addFlag(fields, "recursive", options.recursive);
    if (options.waitIndex)
        fields.emplace_back("waitIndex", number(*options.waitIndex));
    return sendKeys("GET", key, std::move(fields), QStringLiteral("v2 wait ") + keyName(key), true,
                    context, std::move(callback));
}

EtcdCall *EtcdV2Client::set(const QByteArray &key, const QByteArray &value,
                            const EtcdV2SetOptions &options, QObject *context,
                            KeysCallback callback)
{
    Fields fields;
    // A refresh must not carry a value (error 211) and a directory has none.
    if (!options.refresh && !options.dir)
        fields.emplace_back("value", value);
    if (options.clearTtl)
        fields.emplace_back("ttl", QByteArray());
    else if (options.ttl)
        fields.emplace_back("ttl", number(*options.ttl));
    addFlag(fields, "refresh", options.refresh);
    addFlag(fields, "dir", options.dir);
    if (options.prevExist)
        fields.emplace_back("prevExist", *options.prevExist ? "true" : "false");
    addCondition(fields, options.prevValue, options.prevIndex);
    return sendKeys("PUT", key, std::move(fields), QStringLiteral("v2 set ") + keyName(key), false,
                    context, std::move(callback));
}

EtcdCall *EtcdV2Client::create(const QByteArray &key, const QByteArray &value,
                               std::optional<qint64> ttl, QObject *context, KeysCallback callback)
{
    return set(key, value, existenceCondition(false, ttl), context, std::move(callback));
}

EtcdCall *EtcdV2Client::update(const QByteArray &key, const QByteArray &value,
                               std::optional<qint64> ttl, QObject *context, KeysCallback callback)
{
    return set(key, value, existenceCondition(true, ttl), context, std::move(callback));
}

EtcdCall *EtcdV2Client::refresh(const QByteArray &key, qint64 ttl, QObject *context,
                                KeysCallback callback)
{
    EtcdV2SetOptions options;
    options.ttl = ttl;
    options.refresh = true;
    options.prevExist = true;
    return set(key, {}, options, context, std::move(callback));
}

EtcdCall *EtcdV2Client::removeTtl(const QByteArray &key, const QByteArray &value, QObject *context,
                                  KeysCallback callback)
{
    EtcdV2SetOptions options;
    options.clearTtl = true;
    options.prevExist = true;
    return set(key, value, options, context, std::move(callback));
}

EtcdCall *EtcdV2Client::createInOrder(const QByteArray &dirKey, const QByteArray &value,
                                      std::optional<qint64> ttl, QObject *context,
                                      KeysCallback callback)
{
    Fields fields{{"value", value}};
    if (ttl)
        fields.emplace_back("ttl", number(*ttl));
    return sendKeys("POST", dirKey, std::move(fields),
                    QStringLiteral("v2 create in order ") + keyName(dirKey), false, context,
                    std::move(callback));
}

EtcdCall *EtcdV2Client::createDir(const QByteArray &key, std::optional<qint64> ttl,
                                  QObject *context, KeysCallback callback)
{
    EtcdV2SetOptions options;
    options.dir = true;
    options.ttl = ttl;
    return set(key, {}, options, context, std::move(callback));
}

EtcdCall *EtcdV2Client::updateDirTtl(const QByteArray &key, std::optional<qint64> ttl,
                                     QObject *context, KeysCallback callback)
{
    EtcdV2SetOptions options;
    options.dir = true;
    options.prevExist = true;
    options.ttl = ttl;
    options.clearTtl = !ttl;
    return set(key, {}, options, context, std::move(callback));
}

EtcdCall *EtcdV2Client::remove(const QByteArray &key, const EtcdV2DeleteOptions &options,
                               QObject *context, KeysCallback callback)
{
    Fields fields;
    addFlag(fields, "dir", options.dir);
    addFlag(fields, "recursive", options.recursive);
    addCondition(fields, options.prevValue, options.prevIndex);
    return sendKeys("DELETE", key, std::move(fields), QStringLiteral("v2 delete ") + keyName(key),
                    false, context, std::move(callback));
}

EtcdCall *EtcdV2Client::removeDir(const QByteArray &key, bool recursive, QObject *context,
                                  KeysCallback callback)
{
    EtcdV2DeleteOptions options;
    options.dir = true;
    options.recursive = recursive;
    return remove(key, options, context, std::move(callback));
}

// --- members ----------------------------------------------------------------------------------

EtcdCall *EtcdV2Client::listMembers(QObject *context, Callback<std::vector<EtcdV2Member>> callback)
{
    return sendJson<std::vector<EtcdV2Member>>("GET", "/v2/members", {},
                                               QStringLiteral("v2 member list"), context,
                                               &EtcdV2Json::decodeMembers, std::move(callback));
}

EtcdCall *EtcdV2Client::addMember(const QStringList &peerUrls, QObject *context,
                                  Callback<EtcdV2Member> callback)
{
    return sendJson<EtcdV2Member>("POST", "/v2/members", peerUrlsBody(peerUrls),
                                  QStringLiteral("v2 member add"), context,
                                  &EtcdV2Json::decodeMember, std::move(callback));
}

EtcdCall *EtcdV2Client::removeMember(quint64 id, QObject *context, Callback<EtcdNothing> callback)
{
    return sendJson<EtcdNothing>(
        "DELETE", membersPath(id), {}, QStringLiteral("v2 member remove ") + EtcdV2Json::hexId(id),
        context, [](const EtcdHttpResponse &r) { return EtcdV2Json::decodeNothing(r, true); },
        std::move(callback));
}

EtcdCall *EtcdV2Client::updateMember(quint64 id, const QStringList &peerUrls, QObject *context,
                                     Callback<EtcdNothing> callback)
{
    return sendJson<EtcdNothing>(
        "PUT", membersPath(id), peerUrlsBody(peerUrls),
        QStringLiteral("v2 member update ") + EtcdV2Json::hexId(id), context,
        [](const EtcdHttpResponse &r) { return EtcdV2Json::decodeNothing(r, true); },
        std::move(callback));
}

// --- stats ------------------------------------------------------------------------------------

EtcdCall *EtcdV2Client::selfStats(QObject *context, Callback<EtcdV2SelfStats> callback)
{
    return sendJson<EtcdV2SelfStats>("GET", "/v2/stats/self", {}, QStringLiteral("v2 stats self"),
                                     context, &EtcdV2Json::decodeSelfStats, std::move(callback));
}

EtcdCall *EtcdV2Client::leaderStats(QObject *context, Callback<EtcdV2LeaderStats> callback)
{
    return sendJson<EtcdV2LeaderStats>("GET", "/v2/stats/leader", {},
                                       QStringLiteral("v2 stats leader"), context,
                                       &EtcdV2Json::decodeLeaderStats, std::move(callback));
}

EtcdCall *EtcdV2Client::storeStats(QObject *context, Callback<EtcdV2StoreStats> callback)
{
    return sendJson<EtcdV2StoreStats>("GET", "/v2/stats/store", {},
                                      QStringLiteral("v2 stats store"), context,
                                      &EtcdV2Json::decodeStoreStats, std::move(callback));
}
