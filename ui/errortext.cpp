#include "errortext.h"

#include "keydisplay.h"

#include <QCoreApplication>

namespace {
// Gives tr() the context "ErrorText" so lupdate finds the strings.
struct ErrorText
{
    Q_DECLARE_TR_FUNCTIONS(ErrorText)
public:
    static QString where(const EtcdError &error)
    {
        return error.endpoint().isEmpty() ? tr("the cluster") : error.endpoint();
    }
    static QString describe(const EtcdError &error);
    static QString describeForKey(const EtcdError &error, const QByteArray &key);
};
} // namespace

QString describeError(const EtcdError &error)
{
    return ErrorText::describe(error);
}

QString ErrorText::describe(const EtcdError &error)
{
    switch (error.kind()) {
    case EtcdError::Kind::None:
        return {};
    case EtcdError::Kind::Network:
        return tr("Could not connect to %1: %2. Check that etcd is running there and that the "
                  "address and port are right.")
            .arg(where(error), error.message());
    case EtcdError::Kind::Timeout:
        return tr("%1 did not answer in time. The server may be overloaded or unreachable.")
            .arg(where(error));
    case EtcdError::Kind::Tls: {
        QString text =
            tr("The secure connection to %1 failed: %2.").arg(where(error), error.message());
        // Details the message already holds (the certificate's subject, issuer, validity) are
        // not repeated.
        for (const QString &detail : error.details()) {
            if (!error.message().contains(detail))
                text += QLatin1Char('\n') + detail;
        }
        if (error.is(EtcdError::Condition::CertificateUntrusted))
            text += QLatin1Char('\n') +
                    tr("Give the CA that signed the cluster's certificates (--cacert, or the CA "
                       "file of the connection), or the name the certificate carries (server "
                       "name) when it differs from the endpoint's host.");
        return text;
    }
    case EtcdError::Kind::Http:
        if (error.is(EtcdError::Condition::ApiNotAvailable))
            return tr("%1 does not serve this API (%2). For the v2 API, etcd 3.4 and 3.5 must "
                      "run with --enable-v2.")
                .arg(where(error), error.message());
        return tr("%1 answered with HTTP status %2: %3")
            .arg(where(error))
            .arg(error.httpStatus())
            .arg(error.message());
    case EtcdError::Kind::Etcd:
        switch (error.condition()) {
        case EtcdError::Condition::AuthFailed:
            // etcd answers a wrong password and an unknown user with the same words
            // ("authentication failed, invalid user ID or password"): say both.
            return tr("%1 did not accept the user name and password: either the user does not "
                      "exist or the password is wrong (etcd answers both the same way). Check "
                      "the user name and the password of this connection (--user and "
                      "--password); etcdctl user list shows the users.")
                .arg(where(error));
        case EtcdError::Condition::Unauthorized:
            // v2 (errorCode 110, or a bare 401) says the same for no credentials, wrong ones
            // and a user without the permission; v3 only means "no valid credentials".
            if (error.code() == 110 || (error.code() == 0 && error.httpStatus() == 401))
                return tr("%1 refused the request: the user name or password is wrong, or the "
                          "user may not do this. etcd's v2 API does not say which: check --user "
                          "and --password, and the roles of the user.")
                    .arg(where(error));
            return tr("%1 has authentication enabled and the request carried no valid "
                      "credentials (%2). Give a user name and password for this connection "
                      "(--user and --password).")
                .arg(where(error), error.message());
        case EtcdError::Condition::InvalidToken:
            return tr("%1 did not accept the authentication token (%2) and etcdscope could not "
                      "get a new one. Connect again; if this keeps happening, check the user "
                      "name and password.")
                .arg(where(error), error.message());
        case EtcdError::Condition::AuthNotEnabled:
            // EtcdV3Client goes on without a token when authenticate says so, as etcdctl does.
            return tr("A user name and password were given, but %1 has authentication turned "
                      "off. etcdscope carries on without them: requests go unauthenticated and "
                      "etcd allows everything. Remove the credentials from this connection, or "
                      "enable authentication on the cluster (etcdctl auth enable).")
                .arg(where(error));
        case EtcdError::Condition::PermissionDenied:
            return tr("Permission denied by %1: the user of this connection has no role that "
                      "allows this. Ask an administrator for one, or browse only a prefix the "
                      "user may read.")
                .arg(where(error));
        case EtcdError::Condition::Unavailable:
            return tr("The cluster at %1 is unavailable (%2). It may have lost its leader.")
                .arg(where(error), error.message());
        case EtcdError::Condition::ApiNotAvailable:
            return tr("%1 does not serve this API: %2").arg(where(error), error.message());
        case EtcdError::Condition::V3Required:
            return tr("This needs etcd's v3 API, which this cluster does not serve.");
        case EtcdError::Condition::KeyNotFound:
        case EtcdError::Condition::CompareFailed:
        case EtcdError::Condition::KeyExists:
            // Made by the client about a key (a failed compare, an empty read): it names it.
            if (error.code() == 0 && error.httpStatus() == 0)
                return describeForKey(error, error.cause().toUtf8());
            break;
        default:
            break;
        }
        return tr("etcd at %1 reported an error: %2")
            .arg(where(error), error.cause().isEmpty()
                                   ? error.message()
                                   : QStringLiteral("%1 (%2)").arg(error.message(), error.cause()));
    case EtcdError::Kind::Protocol:
        return tr("%1 sent an answer etcdscope could not read: %2. Is it an etcd client URL?")
            .arg(where(error), error.message());
    case EtcdError::Kind::Cancelled:
        if (error.is(EtcdError::Condition::NotConnected))
            return tr("Not connected to a cluster.");
        if (error.is(EtcdError::Condition::HistoryUnsupported))
            return tr("etcd's v2 API keeps no history: keys cannot be read as of revision %1.")
                .arg(error.index());
        return tr("The request was cancelled.");
    case EtcdError::Kind::ReadOnly:
        return tr("Not written: the connection is read-only (%1).").arg(error.message());
    }
    return error.toString();
}

QString describeKeyError(const EtcdError &error, const QByteArray &key)
{
    return ErrorText::describeForKey(error, key);
}

QString ErrorText::describeForKey(const EtcdError &error, const QByteArray &key)
{
    if (error.kind() != EtcdError::Kind::Etcd)
        return describe(error);
    const QString name = displayKey(key);
    switch (error.condition()) {
    case EtcdError::Condition::KeyNotFound:
        if (error.isConflict())
            return tr("Key %1 was deleted by another client.").arg(name);
        return tr("Key %1 does not exist (any more).").arg(name);
    case EtcdError::Condition::CompareFailed:
        if (error.isConflict() && error.revision() > 0)
            return tr("Key %1 was changed at revision %2 by another client.")
                .arg(name)
                .arg(error.revision());
        return error.index() > 0 ? tr("Key %1 was changed by another client (etcd index %2).")
                                       .arg(name)
                                       .arg(error.index())
                                 : tr("Key %1 was changed by another client.").arg(name);
    case EtcdError::Condition::KeyExists:
        return tr("Key %1 already exists.").arg(name);
    case EtcdError::Condition::NotAFile:
        return tr("%1 is a directory, not a key.").arg(name);
    case EtcdError::Condition::NotADirectory:
        return tr("%1 is a key, not a directory.").arg(name);
    case EtcdError::Condition::DirectoryNotEmpty:
        return tr("Directory %1 is not empty.").arg(name);
    case EtcdError::Condition::RootReadOnly:
        return tr("The root directory cannot be changed.");
    case EtcdError::Condition::PermissionDenied:
        return tr("Permission denied for %1: the user of this connection has no role that "
                  "allows this on the key (a read-only role allows no writes). Ask an "
                  "administrator to grant it.")
            .arg(name);
    case EtcdError::Condition::LeaseNotFound:
        return tr("The lease of %1 no longer exists.").arg(name);
    case EtcdError::Condition::InvalidField:
        return tr("etcd refused the request for %1: %2").arg(name, error.message());
    default:
        break;
    }
    return describe(error);
}

QString describeMemberError(const EtcdError &error)
{
    // etcd's words for a refusal it has no condition for yet still show, through describeError.
    switch (error.condition()) {
    case EtcdError::Condition::LearnerNotReady:
        return ErrorText::tr("The learner is not in sync with the leader yet. Promote it once it "
                             "has caught up (its raft index close to the leader's).");
    case EtcdError::Condition::MemberNotFound:
        return ErrorText::tr("etcd does not know this member (any more): it may have been "
                             "removed already.");
    case EtcdError::Condition::ClusterUnhealthy:
        return ErrorText::tr(
            "etcd refused the change because the cluster is not healthy enough for it: every "
            "voting member must be running and connected to the others for a few seconds "
            "(etcd's --strict-reconfig-check). Try again shortly.");
    case EtcdError::Condition::PeerUrlExists:
        return ErrorText::tr("A member of the cluster already uses this peer URL.");
    case EtcdError::Condition::TooManyLearners:
        return ErrorText::tr("The cluster already has as many learners as etcd allows (one in "
                             "3.4 and 3.5). Promote or remove the existing learner first.");
    case EtcdError::Condition::NotEnoughStartedMembers:
        return ErrorText::tr("etcd refused the change: too few members are started for the "
                             "cluster to keep its quorum afterwards.");
    case EtcdError::Condition::NotALearner:
        return ErrorText::tr("Only a learner can be promoted; this member votes already.");
    case EtcdError::Condition::MemberExists:
        return ErrorText::tr("A member with this ID is already in the cluster.");
    case EtcdError::Condition::InvalidField:
        return ErrorText::tr("etcd refused the peer URLs: %1").arg(error.message());
    case EtcdError::Condition::V3Required:
        return ErrorText::tr("Learners need etcd's v3 API, which this cluster does not serve.");
    default:
        break;
    }
    return describeError(error);
}
