#pragma once

#include "serviceinstance.h"

#include <QColor>

// The colours of instance health, shared by the Services panel's header, tree and details:
// green alive, orange late, grey gone (the watch status in the status bar uses the same green
// and orange).
namespace ServiceStyle {

// The model's colours (ServiceInstance::stateColour), named for the panel.
inline QColor colour(ServiceInstance::State state)
{
    return ServiceInstance::stateColour(state);
}

inline QColor aliveColour()
{
    return colour(ServiceInstance::State::Alive);
}

inline QColor lateColour()
{
    return colour(ServiceInstance::State::Late);
}

inline QColor goneColour()
{
    return colour(ServiceInstance::State::Gone);
}

} // namespace ServiceStyle
