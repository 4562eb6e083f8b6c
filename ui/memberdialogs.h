#pragma once

#include <QDialog>
#include <QStringList>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

// Asks for the peer URLs of a member: a new one (with the name it will start with, only used for
// the configuration shown afterwards, and whether it joins as a learner) or an existing one
// whose URLs change. OK stays disabled until every URL is an http(s) URL with a host and a port.
class MemberUrlsDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Mode { Add, Update };

    // `target` names what changes: the cluster for an add ("cluster 1a2b… at http://…"), the
    // member and its cluster for an update. The dialog repeats it in a sentence that says what
    // OK will do.
    MemberUrlsDialog(Mode mode, const QString &target, QWidget *parent = nullptr);
    QString confirmationText() const;

    void setPeerUrls(const QStringList &urls);
    QStringList peerUrls() const;
    // Add only.
    void setLearnerAvailable(bool available);
    bool asLearner() const;
    QString memberName() const;
    // A production connection: OK also needs `expected` typed exactly.
    void requireTyping(const QString &expected, const QString &where);
    // Why the URLs are not acceptable (empty when they are).
    QString problem() const;

    // "a, b" or "a b" into URLs.
    static QStringList splitUrls(const QString &text);

private:
    void validate();

    Mode m_mode;
    QLineEdit *m_urls;
    QLineEdit *m_name = nullptr;
    QCheckBox *m_learner = nullptr;
    QLabel *m_problem;
    QLabel *m_confirmation;
    QString m_target;
    QStringList m_initialUrls;
    QString m_expected;
    QLineEdit *m_typed = nullptr;
    QDialogButtonBox *m_buttons;
};
