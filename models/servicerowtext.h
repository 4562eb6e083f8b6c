#pragma once

#include "servicemodel.h"

#include <QCoreApplication>
#include <QVariant>

// The words and looks of the services view's rows (ServiceModel's columns): texts, tooltips,
// fonts and state colours of an instance, a service's counts, the column titles. No state; the
// strings keep ServiceModel's translation context.
class ServiceRowText
{
    Q_DECLARE_TR_FUNCTIONS(ServiceModel)

public:
    static QString stateName(ServiceInstance::State state);
    // "3 alive, 1 late, 2 gone" (none late or gone: not said).
    static QString counts(const ServiceModel::Counts &c);
    static QVariant header(int section);
    static QString serviceToolTip(const QByteArray &dir, bool marked);
    // An instance's cell for the display, tooltip, font and foreground roles (the others:
    // invalid).
    static QVariant instanceData(const ServiceInstance &inst, int column, int role);
};
