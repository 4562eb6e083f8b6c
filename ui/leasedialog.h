#pragma once

#include <QByteArray>
#include <QDialog>

class QDialogButtonBox;
class QPushButton;
class QRadioButton;
class QSpinBox;

// Chooses what happens to the lease of a v3 key: keep it, attach a new lease of a given TTL (the
// key then expires with it), or detach the key so it no longer expires. The value is kept in
// every case; the old lease is not revoked (other keys may share it).
class LeaseDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Choice { Keep, AttachNew, Detach };

    // lease: the key's lease now (0: none).
    LeaseDialog(const QByteArray &key, quint64 lease, QWidget *parent = nullptr);

    QByteArray key() const { return m_key; }
    Choice choice() const;
    qint64 ttl() const;
    void setChoice(Choice choice);
    void setTtl(qint64 seconds);
    QPushButton *okButton() const;

private:
    QByteArray m_key;
    QRadioButton *m_keep;
    QRadioButton *m_attach;
    QRadioButton *m_detach;
    QSpinBox *m_ttl;
    QDialogButtonBox *m_buttons;
};
