// Korean. The type makes a missing or misspelt key a compile error (svelte-check).
import type { MessageKey } from './en';

export const ko: Record<MessageKey, string> = {
  'app.name': 'Tipvault',
  'app.tagline': '후원금과 적립금을 이 컴퓨터에 안전하게 보관합니다.',
  'language.label': '언어',
  'welcome.loading': '금고를 찾는 중…',
  'welcome.location': '금고 위치: {path}',
  'create.title': '금고 만들기',
  'create.intro':
    'Tipvault에 보관되는 모든 내용은 암호문으로만 열 수 있는 키로 암호화됩니다. 암호문을 잊으면 누구도(저희도) 복구할 수 없으니 안전한 곳에 적어 두세요.',
  'create.passphrase': '암호문',
  'create.confirm': '암호문 다시 입력',
  'create.show': '암호문 보기',
  'create.submit': '금고 만들기',
  'create.mismatch': '두 암호문이 서로 다릅니다.',
  'create.tooShort': '{min}자 이상 입력하세요.',
  'create.tooWeak': '추측하기 쉬운 암호문입니다. 흔하지 않은 단어를 몇 개 더 넣으세요.',
  'strength.label': '강도',
  'strength.0': '매우 약함',
  'strength.1': '약함',
  'strength.2': '보통',
  'strength.3': '강함',
  'strength.4': '매우 강함',
  'strength.checking': '확인 중…',
  'unlock.title': '금고 열기',
  'unlock.passphrase': '암호문',
  'unlock.submit': '열기',
  'error.vault_location': '금고 위치를 사용할 수 없습니다. {message}',
  'error.io': '파일을 읽거나 쓸 수 없습니다. {message}',
  'error.unexpected': '예상하지 못한 문제가 생겼습니다. {message}',
};
