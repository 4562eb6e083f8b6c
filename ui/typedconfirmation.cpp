#include "typedconfirmation.h"

#include <QBoxLayout>
#include <QCoreApplication>
#include <QLabel>
#include <QLineEdit>

QLineEdit *addTypedConfirmation(QWidget *dialog, QBoxLayout *layout, const QString &expected,
                                const QString &where, int index)
{
    auto *label = new QLabel(
        QCoreApplication::translate("TypedConfirmation",
                                    "This is a production connection (%1). Type %2 to confirm:")
            .arg(where.toHtmlEscaped(), QStringLiteral("<b>%1</b>").arg(expected.toHtmlEscaped())),
        dialog);
    label->setObjectName(QStringLiteral("typedConfirmationLabel"));
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    auto *typed = new QLineEdit(dialog);
    typed->setObjectName(QStringLiteral("typedConfirmation"));
    typed->setAccessibleName(
        QCoreApplication::translate("TypedConfirmation", "Type the name to confirm"));
    label->setBuddy(typed);
    const int at = index < 0 ? layout->count() - 1 : index;
    layout->insertWidget(at, label);
    layout->insertWidget(at + 1, typed);
    typed->setFocus();
    return typed;
}
