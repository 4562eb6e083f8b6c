#include "passwordprompt.h"

#include <QCoreApplication>
#include <QInputDialog>
#include <QLineEdit>

namespace {
struct PasswordPrompt
{
    Q_DECLARE_TR_FUNCTIONS(PasswordPrompt)
};
} // namespace

std::optional<QString> askPassword(const QString &user, const QString &endpoint, const QString &why)
{
    bool ok = false;
    QString label = PasswordPrompt::tr("Password of user %1 on %2:").arg(user, endpoint);
    if (!why.isEmpty())
        label = why + QStringLiteral("\n\n") + label;
    const QString password =
        QInputDialog::getText(nullptr, PasswordPrompt::tr("etcdscope — Password"), label,
                              QLineEdit::Password, QString(), &ok);
    if (!ok)
        return std::nullopt;
    return password;
}
