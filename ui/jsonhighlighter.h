#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

// Colours JSON: object keys, string values, numbers and the literals true/false/null. A simple
// per-line scanner (a string never spans lines in pretty-printed JSON); it never validates.
class JsonHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT
public:
    // Not attached to a document yet (setDocument() attaches it).
    explicit JsonHighlighter(QObject *parent = nullptr);
    explicit JsonHighlighter(QTextDocument *document);

    // The formats, public so tests can check what a token got.
    QTextCharFormat keyFormat() const { return m_key; }
    QTextCharFormat stringFormat() const { return m_string; }
    QTextCharFormat numberFormat() const { return m_number; }
    QTextCharFormat literalFormat() const { return m_literal; }

protected:
    void highlightBlock(const QString &text) override;

private:
    void initFormats();

    QTextCharFormat m_key;
    QTextCharFormat m_string;
    QTextCharFormat m_number;
    QTextCharFormat m_literal;
};
