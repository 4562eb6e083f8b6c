#pragma once

#include "servicemodel.h"

#include <memory>
#include <vector>

// One service directory and its instances (in natural order of their IDs).
struct ServiceModel::Service
{
    QByteArray dir;
    std::vector<std::unique_ptr<ServiceInstance>> instances;
    QHash<QByteArray, ServiceInstance *> byKey;
    bool listing = false;

    int rowOf(const ServiceInstance *inst) const
    {
        for (size_t i = 0; i < instances.size(); ++i) {
            if (instances[i].get() == inst)
                return int(i);
        }
        return -1;
    }
};
