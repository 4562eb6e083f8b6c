#pragma once

#include <QByteArray>
#include <QDialog>

#include <optional>

class QDialogButtonBox;
class QLabel;
class QPushButton;
class QSpinBox;

// Asks for the TTL of a v2 key or directory: Set gives it a new TTL (the key then expires), Refresh
// restarts its TTL without telling watchers. Removing a TTL needs no dialog.
class TtlDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Mode { Set, Refresh };

    // current: the TTL the key has now (seconds left), if any; it preselects the spin box.
    TtlDialog(Mode mode, const QByteArray &key, std::optional<qint64> current,
              QWidget *parent = nullptr);

    Mode mode() const { return m_mode; }
    QByteArray key() const { return m_key; }
    qint64 ttl() const;
    void setTtl(qint64 seconds);
    QPushButton *okButton() const;

private:
    Mode m_mode;
    QByteArray m_key;
    QSpinBox *m_ttl;
    QDialogButtonBox *m_buttons;
};
