#include "memberdialogs.h"

#include "typedconfirmation.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QUrl>
#include <QVBoxLayout>

MemberUrlsDialog::MemberUrlsDialog(Mode mode, const QString &target, QWidget *parent)
    : QDialog(parent)
    , m_mode(mode)
    , m_urls(new QLineEdit(this))
    , m_problem(new QLabel(this))
    , m_confirmation(new QLabel(this))
    , m_target(target)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(mode == Mode::Add ? QStringLiteral("addMemberDialog")
                                    : QStringLiteral("updateMemberDialog"));
    setWindowTitle(mode == Mode::Add ? tr("Add a Member") : tr("Change Peer URLs"));
    setAccessibleName(windowTitle());
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
        mode == Mode::Add
            ? tr("The cluster learns about the member now; start etcd on the new machine "
                 "afterwards with the configuration shown then. A learner receives the data "
                 "without voting, and can be promoted once it has caught up: the safe way to "
                 "grow a cluster.")
            : tr("The other members reach this member at its peer URLs. Change them before "
                 "the member moves, then restart it with the new --listen-peer-urls."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    m_urls->setObjectName(QStringLiteral("peerUrlsEdit"));
    m_urls->setPlaceholderText(QStringLiteral("https://10.0.0.14:2380"));
    m_urls->setAccessibleName(tr("Peer URLs"));
    form->addRow(tr("&Peer URLs:"), m_urls);
    if (mode == Mode::Add) {
        m_name = new QLineEdit(this);
        connect(m_name, &QLineEdit::textChanged, this, &MemberUrlsDialog::validate);
        m_name->setObjectName(QStringLiteral("memberNameEdit"));
        m_name->setPlaceholderText(tr("infra4 (optional: for the configuration shown after)"));
        m_name->setAccessibleName(tr("Member name"));
        form->addRow(tr("&Name:"), m_name);
        m_learner = new QCheckBox(tr("Add as a &learner (promote it when it is in sync)"), this);
        m_learner->setObjectName(QStringLiteral("learnerCheck"));
        m_learner->setChecked(true);
        connect(m_learner, &QCheckBox::toggled, this, &MemberUrlsDialog::validate);
        form->addRow(QString(), m_learner);
    }
    layout->addLayout(form);
    m_problem->setObjectName(QStringLiteral("problemLabel"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));
    layout->addWidget(m_problem);
    m_confirmation->setObjectName(QStringLiteral("confirmationLabel"));
    m_confirmation->setWordWrap(true);
    m_confirmation->setTextFormat(Qt::PlainText);
    QFont bold = m_confirmation->font();
    bold.setBold(true);
    m_confirmation->setFont(bold);
    layout->addWidget(m_confirmation);
    m_buttons->button(QDialogButtonBox::Ok)
        ->setText(mode == Mode::Add ? tr("Add Member") : tr("Change URLs"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_urls, &QLineEdit::textChanged, this, &MemberUrlsDialog::validate);
    resize(520, sizeHint().height());
    validate();
}

void MemberUrlsDialog::setPeerUrls(const QStringList &urls)
{
    m_initialUrls = urls;
    m_urls->setText(urls.join(QStringLiteral(", ")));
}

QString MemberUrlsDialog::confirmationText() const
{
    const QString urls = peerUrls().join(QStringLiteral(", "));
    if (m_mode == Mode::Update)
        return tr("Changes the peer URLs of %1 from %2 to %3.")
            .arg(m_target, m_initialUrls.join(QStringLiteral(", ")), urls);
    const QString name = memberName().isEmpty() ? QString() : QStringLiteral(" ") + memberName();
    return asLearner() ? tr("Adds learner%1 at %2 to %3.").arg(name, urls, m_target)
                       : tr("Adds voting member%1 at %2 to %3; the quorum grows at once, so "
                            "start it right away.")
                             .arg(name, urls, m_target);
}

QStringList MemberUrlsDialog::peerUrls() const
{
    return splitUrls(m_urls->text());
}

void MemberUrlsDialog::setLearnerAvailable(bool available)
{
    if (!m_learner)
        return;
    m_learner->setEnabled(available);
    if (!available) {
        m_learner->setChecked(false);
        m_learner->setToolTip(tr("Learners need the v3 API, which this cluster does not serve."));
    }
}

bool MemberUrlsDialog::asLearner() const
{
    return m_learner && m_learner->isChecked();
}

QString MemberUrlsDialog::memberName() const
{
    return m_name ? m_name->text().trimmed() : QString();
}

QStringList MemberUrlsDialog::splitUrls(const QString &text)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return text.split(separators, Qt::SkipEmptyParts);
}

QString MemberUrlsDialog::problem() const
{
    const QStringList urls = peerUrls();
    if (urls.isEmpty())
        return tr("Give at least one peer URL, such as http://10.0.0.14:2380.");
    for (const QString &text : urls) {
        const QUrl url(text, QUrl::StrictMode);
        const QString scheme = url.scheme();
        if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
            return tr("%1 is not an http:// or https:// URL.").arg(text);
        if (url.host().isEmpty())
            return tr("%1 has no host.").arg(text);
        if (url.port() <= 0)
            return tr("%1 has no port (etcd's peer port is usually 2380).").arg(text);
        if (!url.path().isEmpty() && url.path() != QLatin1String("/"))
            return tr("%1 has a path; peer URLs are scheme, host and port only.").arg(text);
    }
    QStringList unique = urls;
    if (unique.removeDuplicates() > 0)
        return tr("A URL is given twice.");
    return {};
}

void MemberUrlsDialog::requireTyping(const QString &expected, const QString &where)
{
    m_expected = expected;
    m_typed = addTypedConfirmation(this, static_cast<QVBoxLayout *>(layout()), expected, where);
    connect(m_typed, &QLineEdit::textChanged, this, &MemberUrlsDialog::validate);
    validate();
}

void MemberUrlsDialog::validate()
{
    const QString why = m_urls->text().trimmed().isEmpty() ? QString() : problem();
    m_problem->setText(why);
    m_problem->setVisible(!why.isEmpty());
    const bool ok = problem().isEmpty();
    const bool typed = m_expected.isEmpty() || (m_typed && m_typed->text() == m_expected);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok && typed);
    m_confirmation->setText(ok ? confirmationText() : QString());
    m_confirmation->setVisible(ok);
}
