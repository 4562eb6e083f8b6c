#pragma once

#include <QByteArray>
#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

// Confirms a delete, naming what goes. A key is named at once; for a v2 directory or a v3
// prefix the dialog first says it is counting and enables Delete only once the count is known
// (or counting failed, which it says), so nobody removes a subtree without being told its size.
class DeleteDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Kind {
        Key,          // one key
        Directory,    // a v2 directory, removed recursively
        Prefix,       // a v3 virtual directory: every key under prefix
        KeyAndPrefix, // a v3 name that is a key and a prefix at once: both go
    };

    // key: the key or directory as shown; prefix: for Prefix and KeyAndPrefix, the prefix whose
    // keys are removed (key plus the separator).
    DeleteDialog(Kind kind, const QByteArray &key, const QByteArray &prefix = {},
                 QWidget *parent = nullptr);

    Kind kind() const { return m_kind; }
    QByteArray key() const { return m_key; }
    QByteArray prefix() const { return m_prefix; }

    // The number of keys the delete removes below the directory or prefix; atLeast: counting
    // stopped at `count`, there are more.
    void setCount(qint64 count, bool atLeast = false);
    void setCountFailed(const QString &why);
    bool isCounting() const { return m_counting; }

    QString text() const;
    QPushButton *deleteButton() const;

    // A production connection: Delete stays off until `expected` (the key or the prefix) is
    // typed exactly; `where` names the connection ("Production · orders-prod").
    void requireTyping(const QString &expected, const QString &where);
    QString expectedTyping() const { return m_expected; }

private:
    QString subject() const;
    void updateDeleteButton();

    Kind m_kind;
    QByteArray m_key;
    QByteArray m_prefix;
    bool m_counting = false;
    QLabel *m_text;
    QDialogButtonBox *m_buttons;
    QString m_expected;
    QLineEdit *m_typed = nullptr;
};
