#pragma once

#include <QString>

#include <optional>

// Asks for the password of `user` (etcdctl prompts on the terminal; a desktop app asks in a
// dialog). Empty optional when the user cancels. Used once, at startup, before the main window.
// `why`: why it is asked (no keychain here, none saved), shown above the field.
std::optional<QString> askPassword(const QString &user, const QString &endpoint,
                                   const QString &why = {});
