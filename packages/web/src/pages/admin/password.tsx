/** The password field of the account forms: at least 10 characters, with a generator for an initial password. */
import { passwordChangeInput } from '@yilian/core';
import { Button, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { zodRule } from '../../validation';

// No 0/O, 1/l/I: the password is read out or written down once.
const LOWER = 'abcdefghijkmnpqrstuvwxyz', UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ', DIGITS = '23456789', SYMBOLS = '@#%&*+=?';

/** A random 12-character password with at least one lower case letter, upper case letter, digit and symbol. */
export function generatePassword(length = 12): string {
  const pick = (set: string) => set[crypto.getRandomValues(new Uint32Array(1))[0]! % set.length]!;
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = crypto.getRandomValues(new Uint32Array(1))[0]! % (i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

export function PasswordField({ name = 'password', label }: { name?: string; label: string }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const [visible, setVisible] = useState(false);
  return (
    <Form.Item label={label} htmlFor={name} required extra={t('users.passwordHelp')}>
      <Space.Compact style={{ width: '100%' }}>
        <Form.Item name={name} noStyle
          rules={[{ required: true, message: t('common.required') }, zodRule(passwordChangeInput.shape.newPassword, t('account.passwordRule'))]}>
          <Input.Password autoComplete="new-password" className="yl-mono" visibilityToggle={{ visible, onVisibleChange: setVisible }} />
        </Form.Item>
        <Button onClick={() => { form.setFieldValue(name, generatePassword()); void form.validateFields([name]); setVisible(true); }}>
          {t('users.generate')}
        </Button>
      </Space.Compact>
    </Form.Item>
  );
}
