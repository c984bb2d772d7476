// Image references as the runtime resolves them (registry/policy/image.ts), and prefix matching on both forms.
import { imageAllowed, normalizeImage } from '../../registry/policy/image.js';

describe('normalizeImage', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['nginx@sha256:abc', 'docker.io/library/nginx@sha256:abc'],
    ['x/y', 'docker.io/x/y'],
    ['x/y/z:1', 'docker.io/x/y/z:1'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/nginx', 'docker.io/library/nginx'],
    ['docker.io/x/y', 'docker.io/x/y'],
    ['registry.example.com/team/app:v1', 'registry.example.com/team/app:v1'],
    ['registry:5000/app', 'registry:5000/app'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/app', 'localhost:5000/app'],
    // A first component without '.', ':' or "localhost" is a Hub namespace, however registry-like its name.
    ['myregistry/app', 'docker.io/myregistry/app'],
  ])('%s -> %s', (image, normalized) => {
    expect(normalizeImage(image)).toBe(normalized);
  });
});

describe('imageAllowed', () => {
  it('matches an image as written or normalized against the prefixes', () => {
    expect(imageAllowed('registry.example.com/team/app:v1', ['registry.example.com/'])).toBe(true);
    expect(imageAllowed('nginx', ['docker.io/library/'])).toBe(true);
    expect(imageAllowed('bitnami/redis', ['docker.io/bitnami/'])).toBe(true);
    expect(imageAllowed('docker.io/nginx', ['registry.example.com/'])).toBe(false);
    expect(imageAllowed('nginx', ['registry.example.com/', 'quay.io/'])).toBe(false);
  });

  it('does not let a look-alike host pass a prefix that ends in "/"', () => {
    expect(imageAllowed('registry.example.com.evil.io/x', ['registry.example.com/'])).toBe(false);
    expect(imageAllowed('registry.example.com:5000/x', ['registry.example.com/'])).toBe(false);
    expect(imageAllowed('evil.io/registry.example.com/x', ['registry.example.com/'])).toBe(false);
  });

  it('allows nothing with an empty list', () => {
    expect(imageAllowed('registry.example.com/x', [])).toBe(false);
  });
});
