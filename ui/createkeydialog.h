#pragma once

#include <QByteArray>
#include <QDialog>

#include <optional>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

// Asks what to create: a key (full key, value, optional TTL in v2 or a new lease's TTL in v3),
// a v2 directory (key, optional TTL) or a v2 in-order key (value, optional TTL, in a directory
// the caller names). Opened with open(); the caller reads the fields on accepted().
class CreateKeyDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Kind { Key, Directory, InOrderKey };

    // prefix: what the key field starts with (the selected directory and a separator), or for
    // an in-order key the directory it goes into. v3: the TTL is that of a new lease.
    CreateKeyDialog(Kind kind, bool v3, const QByteArray &prefix, QWidget *parent = nullptr);

    Kind kind() const { return m_kind; }
    // The full key to create (Key, Directory) or the directory (InOrderKey).
    QByteArray key() const;
    QByteArray value() const;
    std::optional<qint64> ttl() const;

    // For tests and callers that prefill the dialog.
    void setKeyText(const QString &text);
    void setValue(const QByteArray &value);
    void setTtl(std::optional<qint64> ttl);
    QPushButton *createButton() const;

private:
    void updateState();

    Kind m_kind;
    QByteArray m_inOrderDir;
    QLineEdit *m_key = nullptr;
    QPlainTextEdit *m_value = nullptr;
    QCheckBox *m_expires;
    QSpinBox *m_ttl;
    QLabel *m_hint;
    QDialogButtonBox *m_buttons;
};
