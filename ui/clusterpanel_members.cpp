// The cluster panel's membership actions: add, change peer URLs, promote, remove, each
// confirmed in words that name the member and the cluster (typed on production), and etcd's
// answer in words.
#include "clusterpanel.h"

#include "clustermodel.h"
#include "errortext.h"
#include "memberdialogs.h"
#include "typedconfirmation.h"

#include <QAbstractButton>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace {

int votersAfter(const ClusterModel &model, int change)
{
    int voters = 0;
    for (int r = 0; r < model.rowCount(); ++r) {
        if (!model.member(r).isLearner)
            ++voters;
    }
    return voters + change;
}

QString quorumText(int voters)
{
    return (voters == 1 ? ClusterPanel::tr("1 voting member afterwards, quorum %1")
                        : ClusterPanel::tr("%2 voting members afterwards, quorum %1").arg(voters))
        .arg(voters / 2 + 1);
}

} // namespace

void ClusterPanel::setTypedConfirmation(const QString &where, const QString &profileName)
{
    m_typedWhere = where;
    m_typedProfile = profileName;
}

void ClusterPanel::confirm(const QString &objectName, const QString &title, const QString &text,
                           const QString &button, const QString &typeToConfirm,
                           std::function<void()> accepted)
{
    if (m_typedWhere.isEmpty()) {
        auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Cancel, this);
        box->setObjectName(objectName);
        box->setAccessibleName(title);
        QPushButton *ok = box->addButton(button, QMessageBox::AcceptRole);
        box->setDefaultButton(QMessageBox::Cancel);
        connect(box, &QMessageBox::buttonClicked, this,
                [ok, accepted = std::move(accepted)](QAbstractButton *clicked) {
                    if (clicked == ok)
                        accepted();
                });
        showDialog(box);
        return;
    }
    // Production: the change goes only after the name is typed.
    auto *dialog = new QDialog(this);
    dialog->setObjectName(objectName);
    dialog->setWindowTitle(title);
    dialog->setAccessibleName(title);
    auto *layout = new QVBoxLayout(dialog);
    auto *label = new QLabel(text, dialog);
    label->setObjectName(QStringLiteral("confirmText"));
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    layout->addWidget(label);
    QLineEdit *typed =
        addTypedConfirmation(dialog, layout, typeToConfirm, m_typedWhere, layout->count());
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, dialog);
    QPushButton *ok = buttons->addButton(button, QDialogButtonBox::AcceptRole);
    ok->setObjectName(QStringLiteral("confirmButton"));
    ok->setEnabled(false);
    ok->setAutoDefault(false);
    buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    layout->addWidget(buttons);
    connect(typed, &QLineEdit::textChanged, ok,
            [ok, typeToConfirm](const QString &t) { ok->setEnabled(t == typeToConfirm); });
    connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(dialog, &QDialog::accepted, this, [accepted = std::move(accepted)] { accepted(); });
    showDialog(dialog);
    typed->setFocus();
}

void ClusterPanel::showResult(const QString &what, const EtcdError &error, const QString &success)
{
    if (!error) {
        Q_EMIT statusMessage(success);
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Warning, what, describeMemberError(error),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("memberErrorBox"));
    box->setAccessibleName(what);
    box->setDetailedText(error.toString());
    showDialog(box);
    Q_EMIT statusMessage(tr("%1 failed: %2").arg(what, describeMemberError(error)));
}

void ClusterPanel::addMember()
{
    auto *dialog = new MemberUrlsDialog(MemberUrlsDialog::Mode::Add, clusterName(), this);
    dialog->setLearnerAvailable(m_monitor->canManageLearners());
    if (!m_typedWhere.isEmpty())
        dialog->requireTyping(m_typedProfile, m_typedWhere);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QStringList urls = dialog->peerUrls();
        const bool learner = dialog->asLearner();
        const QString name = dialog->memberName();
        m_monitor->addMember(
            urls, learner, this, [this, urls, learner, name](const EtcdError &e, quint64 id) {
                if (e) {
                    showResult(tr("Add Member"), e, {});
                    return;
                }
                Q_EMIT statusMessage(tr("Added %1 %2 at %3 to %4.")
                                         .arg(learner ? tr("learner") : tr("member"),
                                              ClusterModel::hexId(id),
                                              urls.join(QStringLiteral(", ")), clusterName()));
                // What etcd on the new machine must start with, as etcdctl member add prints it.
                const QString memberName = name.isEmpty() ? QStringLiteral("<name>") : name;
                QStringList initial;
                for (int r = 0; r < m_model->rowCount(); ++r) {
                    const ClusterMember &m = m_model->member(r);
                    if (m.id == id || m.name.isEmpty())
                        continue;
                    for (const QString &peer : m.peerUrls)
                        initial << m.name + QLatin1Char('=') + peer;
                }
                for (const QString &peer : urls)
                    initial << memberName + QLatin1Char('=') + peer;
                const QString config =
                    QStringLiteral("ETCD_NAME=\"%1\"\nETCD_INITIAL_CLUSTER=\"%2\"\n"
                                   "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"%3\"\n"
                                   "ETCD_INITIAL_CLUSTER_STATE=\"existing\"")
                        .arg(memberName, initial.join(QLatin1Char(',')),
                             urls.join(QLatin1Char(',')));
                auto *box = new QMessageBox(
                    QMessageBox::Information, tr("Member Added"),
                    tr("Member %1 was added to %2 as a %3. Start etcd on the new machine with this "
                       "configuration (see Details), with an empty data directory.%4")
                        .arg(ClusterModel::hexId(id), clusterName(),
                             learner ? tr("learner") : tr("voting member"),
                             learner ? tr(" Promote it once it is in sync with the leader.")
                                     : QString()),
                    QMessageBox::Ok, this);
                box->setObjectName(QStringLiteral("memberAddedBox"));
                box->setDetailedText(config);
                box->setTextInteractionFlags(Qt::TextSelectableByMouse);
                showDialog(box);
            });
    });
    showDialog(dialog);
}

void ClusterPanel::updateMember()
{
    const ClusterMember *m = selectedMember();
    if (!m)
        return;
    const quint64 id = m->id;
    const QString label = ClusterModel::memberLabel(*m);
    auto *dialog = new MemberUrlsDialog(MemberUrlsDialog::Mode::Update,
                                        tr("%1 in %2").arg(label, clusterName()), this);
    dialog->setPeerUrls(m->peerUrls);
    if (!m_typedWhere.isEmpty())
        dialog->requireTyping(m->name.isEmpty() ? ClusterModel::hexId(id) : m->name, m_typedWhere);
    connect(dialog, &QDialog::accepted, this, [this, dialog, id, label] {
        const QStringList urls = dialog->peerUrls();
        m_monitor->updateMember(id, urls, this, [this, label, urls](const EtcdError &e, quint64) {
            showResult(
                tr("Change Peer URLs"), e,
                tr("The peer URLs of %1 are now %2.").arg(label, urls.join(QStringLiteral(", "))));
        });
    });
    showDialog(dialog);
}

void ClusterPanel::promoteMember()
{
    const ClusterMember *m = selectedMember();
    if (!m)
        return;
    const quint64 id = m->id;
    const QString label = ClusterModel::memberLabel(*m);
    confirm(QStringLiteral("promoteConfirmBox"), tr("Promote Learner"),
            tr("Promote learner %1 in %2 to a voting member?\n\nIt then counts for the quorum "
               "(%3).")
                .arg(label, clusterName(), quorumText(votersAfter(*m_model, 1))),
            tr("Promote %1").arg(m->name.isEmpty() ? ClusterModel::hexId(id) : m->name),
            m->name.isEmpty() ? ClusterModel::hexId(id) : m->name, [this, id, label] {
                m_monitor->promoteMember(id, this, [this, label](const EtcdError &e, quint64) {
                    showResult(tr("Promote Learner"), e,
                               tr("%1 is now a voting member.").arg(label));
                });
            });
}

void ClusterPanel::removeMember()
{
    const ClusterMember *m = selectedMember();
    if (!m)
        return;
    const quint64 id = m->id;
    const QString label = ClusterModel::memberLabel(*m);
    QString text = tr("Remove member %1 from %2?").arg(label, clusterName());
    if (!m->isLearner) {
        const int voters = votersAfter(*m_model, -1);
        text += QStringLiteral("\n\n") + quorumText(voters) + QLatin1Char('.');
        int up = 0;
        for (int r = 0; r < m_model->rowCount(); ++r) {
            const ClusterMember &o = m_model->member(r);
            if (o.id != id && !o.isLearner && o.reach == ClusterMember::Reach::Reachable)
                ++up;
        }
        if (up < voters / 2 + 1)
            text += QStringLiteral(" ") +
                    (up == 1 ? tr("Only 1 other voting member answers now: the cluster may "
                                  "lose its quorum.")
                             : tr("Only %1 other voting members answer now: the cluster may "
                                  "lose its quorum.")
                                   .arg(up));
    }
    if (m->isLeader)
        text += QStringLiteral("\n\n") +
                tr("It is the leader: the others elect a new one, writes pause meanwhile.");
    text += QStringLiteral("\n\n") +
            tr("A removed member stops; to come back it must be added again and start with an "
               "empty data directory.");
    confirm(QStringLiteral("removeConfirmBox"), tr("Remove Member"), text,
            tr("Remove %1").arg(m->name.isEmpty() ? ClusterModel::hexId(id) : m->name),
            m->name.isEmpty() ? ClusterModel::hexId(id) : m->name, [this, id, label] {
                m_monitor->removeMember(id, this, [this, label](const EtcdError &e, quint64) {
                    showResult(tr("Remove Member"), e,
                               tr("%1 was removed from the cluster.").arg(label));
                });
            });
}
