#include "conflictdialog.h"

#include "keydisplay.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

ConflictDialog::ConflictDialog(const KeySnapshot &server, const QString &mine,
                               ValueCodec::Mode mode, QWidget *parent)
    : QDialog(parent)
    , m_server(server)
    , m_serverView(new QPlainTextEdit(this))
    , m_mineView(new QPlainTextEdit(this))
{
    setWindowTitle(tr("Key changed on the server"));
    setAccessibleName(tr("Save conflict"));

    auto *summary = new QLabel(describe(server) + QLatin1Char(' ') +
                                   tr("Your value was not saved. Compare the two values and "
                                      "choose how to go on."),
                               this);
    summary->setWordWrap(true);
    summary->setAccessibleName(tr("Conflict summary"));

    QString serverTitle;
    QString serverText;
    if (!server.exists) {
        serverTitle = tr("On the server: deleted");
    } else {
        serverTitle = tr("On the server (revision %1)").arg(server.modIndex());
        // The same view mode as the user's text so the two compare line by line; hex when the
        // server's bytes cannot be shown that way.
        if (ValueCodec::encode(mode, server.value, &serverText)) {
            serverText = ValueCodec::toHex(server.value);
            serverTitle += QLatin1Char(' ') + tr("(shown as hex)");
        }
    }
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (QPlainTextEdit *view : {m_serverView, m_mineView}) {
        view->setReadOnly(true);
        view->setFont(fixed);
        view->setUndoRedoEnabled(false);
    }
    m_serverView->setPlainText(serverText);
    m_serverView->setEnabled(server.exists);
    m_serverView->setAccessibleName(tr("Value on the server"));
    m_mineView->setPlainText(mine);
    m_mineView->setAccessibleName(tr("Your value"));

    auto *serverLabel = new QLabel(serverTitle, this);
    auto *mineLabel = new QLabel(tr("Yours (not saved)"), this);

    auto *grid = new QGridLayout;
    grid->addWidget(serverLabel, 0, 0);
    grid->addWidget(mineLabel, 0, 1);
    grid->addWidget(m_serverView, 1, 0);
    grid->addWidget(m_mineView, 1, 1);

    auto *buttons = new QDialogButtonBox(this);
    m_overwrite = buttons->addButton(server.exists ? tr("&Overwrite") : tr("&Create again"),
                                     QDialogButtonBox::DestructiveRole);
    m_overwrite->setAccessibleName(tr("Overwrite the server's value"));
    m_overwrite->setToolTip(tr("Save your value if the key is still as shown here"));
    m_reload = buttons->addButton(tr("&Reload"), QDialogButtonBox::ResetRole);
    m_reload->setAccessibleName(tr("Reload the server's value"));
    m_reload->setToolTip(tr("Drop your edit and show the server's value"));
    m_keep = buttons->addButton(tr("&Keep editing"), QDialogButtonBox::RejectRole);
    m_keep->setAccessibleName(tr("Keep editing"));
    m_keep->setToolTip(tr("Close this dialog; your text stays in the editor"));
    m_keep->setDefault(true);

    connect(m_overwrite, &QPushButton::clicked, this, [this] { choose(Choice::Overwrite); });
    connect(m_reload, &QPushButton::clicked, this, [this] { choose(Choice::Reload); });
    connect(m_keep, &QPushButton::clicked, this, [this] { choose(Choice::KeepEditing); });
    // Escape and the window's close button mean "keep editing".
    connect(this, &QDialog::rejected, this, [this] {
        if (m_choice == Choice::KeepEditing && !m_chosen) {
            m_chosen = true;
            Q_EMIT chosen(Choice::KeepEditing);
        }
    });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(summary);
    layout->addLayout(grid, 1);
    layout->addWidget(buttons);
    resize(800, 480);
}

void ConflictDialog::choose(Choice choice)
{
    if (m_chosen)
        return;
    m_chosen = true;
    m_choice = choice;
    Q_EMIT chosen(choice);
    if (choice == Choice::KeepEditing)
        reject();
    else
        accept();
}

QString ConflictDialog::describe(const KeySnapshot &server)
{
    const QString key = displayKey(server.key);
    if (!server.exists)
        return tr("Key %1 was deleted by another client.").arg(key);
    return tr("Key %1 was changed at revision %2 by another client.")
        .arg(key)
        .arg(server.modIndex());
}
