/**
 * The one import of @peculiar/x509 in Keyport. It needs the reflect-metadata polyfill loaded first
 * (its dependency injection asks for it), so every module goes through here.
 */
import 'reflect-metadata';

export * from '@peculiar/x509';
