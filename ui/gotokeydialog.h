#pragma once

#include <QByteArray>
#include <QDialog>

class QDialogButtonBox;
class QLineEdit;
class QPushButton;

// Asks for a key to open in the tree (Ctrl+L). The text is a key as displayKey() shows it, so a
// copied binary key ("\xff…") can be pasted back.
class GoToKeyDialog : public QDialog
{
    Q_OBJECT
public:
    explicit GoToKeyDialog(const QByteArray &initial = {}, QWidget *parent = nullptr);

    QByteArray key() const;
    void setKeyText(const QString &text);
    QLineEdit *keyEdit() const { return m_key; }
    QPushButton *goButton() const;

private:
    QLineEdit *m_key;
    QDialogButtonBox *m_buttons;
};
