#pragma once

// Which etcd API a connection speaks: Auto picks v3 when the cluster serves it, else v2. On its
// own so that models can know the API without including a client (EtcdClient::Api is this).
enum class EtcdApi { Auto, V2, V3 };
