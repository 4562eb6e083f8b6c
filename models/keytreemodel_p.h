#pragma once

// Internals of KeyTreeModel shared by its source files.
#include "keyinfo.h"
#include "keytreemodel.h"
#include "v3levellister.h"

#include <QPointer>

#include <memory>

class EtcdCall;

// One listing of one directory in flight.
struct KeyTreeModel::Listing
{
    ~Listing();
    quint32 generation = 0;
    bool refresh = false; // diff against the rows already there, remove what was not seen
    qint64 revision = 0;  // v2: the store index the directory was read at
    std::unique_ptr<V3LevelLister> lister;
    QPointer<EtcdCall> call;
};

// A "go to key" in progress: the levels down to it are listed one after the other.
struct KeyTreeModel::Reveal
{
    ~Reveal();
    QByteArray key;
    QPointer<EtcdCall> call;
};

// A child as a listing (or an edit) reports it, before it is merged into the tree.
struct KeyTreeModel::Entry
{
    QByteArray name;
    bool isKey = false;
    bool isDir = false;
    KeyInfo info; // metadata of the key (isKey) or of the v2 directory
    QByteArray hint; // v3 directory: its first key seen, a guide for its listing
};
