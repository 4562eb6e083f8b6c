#pragma once

#include "serviceinstance.h"

#include <QColor>

// The colours of instance health, shared by the Services panel's header, tree and details:
// green alive, orange late, grey gone (the watch status in the status bar uses the same green
// and orange).
namespace ServiceStyle {

inline QColor aliveColour()
{
    return QColor(0x2e, 0x7d, 0x32);
}

inline QColor lateColour()
{
    return QColor(0xe6, 0x51, 0x00);
}

inline QColor goneColour()
{
    return QColor(0x75, 0x75, 0x75);
}

inline QColor colour(ServiceInstance::State state)
{
    switch (state) {
    case ServiceInstance::State::Alive:
        return aliveColour();
    case ServiceInstance::State::Late:
        return lateColour();
    case ServiceInstance::State::Gone:
        break;
    }
    return goneColour();
}

} // namespace ServiceStyle
