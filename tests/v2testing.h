#pragma once
#include "etcdtesting.h"
