#pragma once

// The demo backend's service type names (0001 login_server ... 0008 msfs): the instance IDs it
// registers start with these codes. They are the demo's data, not etcdscope's: installing them
// writes them into etcdscope's settings as its default type names (services/defaultTypeNames,
// the layout ServiceTypeNames reads), where the Service Types dialog's Restore Defaults finds
// them too. Returns false when the settings could not be written.
bool installDemoTypeNames();
