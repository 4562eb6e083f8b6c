#pragma once

#include "valuecodec.h"

#include <QByteArray>
#include <QWidget>

class JsonHighlighter;
class QComboBox;
class QLabel;
class QPlainTextEdit;

// Edits one value in a view mode (Text, JSON, Hex, Base64). A binary value opens in hex.
// Switching modes converts the current text and is refused, with a message, when the text does
// not parse in its mode or the bytes cannot be shown in the new one: the text is never lost.
// Until the user edits, value() gives back the exact bytes that were opened, whatever the mode.
class ValueEditor : public QWidget
{
    Q_OBJECT
public:
    using Mode = ValueCodec::Mode;

    // Above this size JSON is not syntax-highlighted (highlighting runs per block on the GUI
    // thread).
    static constexpr qsizetype highlightLimit = 256 * 1024;

    explicit ValueEditor(QWidget *parent = nullptr);
    ~ValueEditor() override;

    // Shows `value` unmodified: Hex when it is binary; the last mode the user chose when the
    // value can be shown in it (JSON only for valid JSON); Text otherwise.
    void setValue(const QByteArray &value);
    // Shows nothing, unmodified.
    void clear();
    // The bytes opened by setValue() (or marked saved by markSaved()).
    QByteArray originalValue() const { return m_original; }

    // The bytes the editor stands for: the original bytes until the user edits, else the text
    // decoded in the current mode (JSON validated). Fails with the error's position.
    ValueCodec::Decoded value() const;

    Mode mode() const { return m_mode; }
    // Converts the shown text to `mode`. Returns false and shows why (also in *error) when the
    // current text does not parse or cannot be shown in `mode`; the text stays as it was.
    bool setMode(Mode mode, QString *error = nullptr);

    // True once the user changed the text since setValue() / markSaved().
    bool isModified() const { return m_modified; }
    // The shown text is now what the server holds: `saved` becomes the original, unmodified.
    void markSaved(const QByteArray &saved);

    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }

    // The last message shown under the text (refused mode switch, invalid value); empty: none.
    QString message() const;
    void showMessage(const QString &message);

    QPlainTextEdit *textEdit() const { return m_edit; }
    QComboBox *modeSelector() const { return m_modeBox; }
    bool isHighlighting() const;

Q_SIGNALS:
    void modificationChanged(bool modified);
    void modeChanged(ValueEditor::Mode mode);

private:
    void showText(const QString &text);
    void setLineEndingFrom(const QByteArray &bytes);
    void setModified(bool modified);
    void onModeActivated(int index);
    void updateHighlighter();
    void selectModeInBox();

    QComboBox *m_modeBox;
    QPlainTextEdit *m_edit;
    QLabel *m_message;
    JsonHighlighter *m_highlighter;
    QByteArray m_original;
    Mode m_mode = Mode::Text;
    Mode m_preferred = Mode::Text; // the mode the user last chose
    bool m_modified = false;
    // Text mode of a value whose lines end in "\r\n": the editor holds plain line breaks, the
    // value gets "\r\n" back.
    bool m_crlf = false;
    bool m_readOnly = false;
    bool m_settingText = false; // programmatic text changes are not user edits
};
