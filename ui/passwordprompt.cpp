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

std::optional<QString> askPassword(const QString &user, const QString &endpoint)
{
    bool ok = false;
    const QString password =
        QInputDialog::getText(nullptr, PasswordPrompt::tr("etcdscope — Password"),
                              PasswordPrompt::tr("Password of user %1 on %2:").arg(user, endpoint),
                              QLineEdit::Password, QString(), &ok);
    if (!ok)
        return std::nullopt;
    return password;
}
